using System.Diagnostics;
using System.Net.Sockets;
using ForkServer.Tests.Support;

namespace ForkServer.Tests;

/// <summary>Graceful shutdown: SIGTERM to children, wait up to --grace, SIGKILL, reap, summary, exit 0, nothing left.</summary>
[Trait("Category", "Linux")]
public sealed class ShutdownTests
{
    public static TheoryData<Build> Builds => [Build.Jit, Build.Aot];

    [Theory]
    [MemberData(nameof(Builds))]
    public void SigtermWith50ClientsConnectedEndsEveryChildWithinTheGraceAndExits0(Build build)
    {
        using var server = ServerProcess.Start(build, "--grace", "10", "--log", "json");
        var clients = Connect(server, 50);
        try
        {
            var tree = ProcFs.Descendants(server.Pid);
            Assert.Equal(50, tree.Count);

            server.Signal(ProcFs.SIGTERM);
            Assert.Equal(0, server.WaitForExit(TimeSpan.FromSeconds(40)));

            var stopped = Assert.Single(server.Events("stopped"));
            Assert.Equal(50, stopped.GetProperty("running_at_shutdown").GetInt32());
            // Every child ended on SIGTERM within the grace time: none needed SIGKILL.
            Assert.Equal(0, stopped.GetProperty("killed").GetInt32());
            Assert.Equal(50, server.Events("reaped").Count(e => e.GetProperty("signal").GetString() == "SIGTERM"));
            Assert.All(tree, pid => Assert.Null(ProcFs.Read(pid)));
            Assert.All(clients, client => Assert.True(SeesClosed(client), $"client {client.LocalAddress} still connected"));
        }
        finally
        {
            clients.ForEach(c => c.Dispose());
        }
    }

    [Fact]
    public void AChildThatOutlivesTheGraceIsKilledAndReaped()
    {
        using var server = ServerProcess.Start("--grace", "1", "--log", "json");
        var clients = Connect(server, 3);
        try
        {
            var tree = StopFirstChild(server);

            server.Signal(ProcFs.SIGTERM);
            Assert.Equal(0, server.WaitForExit(TimeSpan.FromSeconds(30)));
            Assert.Contains(server.Output, l => l.Contains("grace time over: sent SIGKILL to 1 processes"));
            var stopped = Assert.Single(server.Events("stopped"));
            Assert.Equal(3, stopped.GetProperty("running_at_shutdown").GetInt32());
            Assert.Equal(1, stopped.GetProperty("killed").GetInt32());
            Assert.Contains(server.Events("reaped"), e => e.GetProperty("child").GetInt32() == tree[0] && e.GetProperty("signal").GetString() == "SIGKILL");
            Assert.All(tree, pid => Assert.Null(ProcFs.Read(pid)));
        }
        finally
        {
            clients.ForEach(c => c.Dispose());
        }
    }

    [Fact]
    public void ASecondSignalStopsAtOnceStillReaping()
    {
        using var server = ServerProcess.Start("--grace", "120", "--log", "json");
        var clients = Connect(server, 3);
        try
        {
            var tree = StopFirstChild(server);

            server.Signal(ProcFs.SIGTERM);
            server.WaitForLine(l => l.Contains("\"stopping\""), TimeSpan.FromSeconds(10));
            Assert.True(Wait.Until(() => ProcFs.Descendants(server.Pid).Count == 1, TimeSpan.FromSeconds(10)), "the running children did not end on SIGTERM");
            Assert.False(server.HasExited, "the server did not wait for its stopped child");

            var clock = Stopwatch.StartNew();
            server.Signal(ProcFs.SIGINT);
            Assert.Equal(0, server.WaitForExit(TimeSpan.FromSeconds(30)));
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60), "the second signal did not cut the 120 s grace short");
            Assert.Contains(server.Output, l => l.Contains("second signal: sent SIGKILL to 1 processes"));
            Assert.All(tree, pid => Assert.Null(ProcFs.Read(pid)));
        }
        finally
        {
            clients.ForEach(c => c.Dispose());
        }
    }

    [Fact]
    public void UnderReapIgnoreTheStopSignalsOnlyTheChildrenStillRunning()
    {
        using var server = ServerProcess.Start("--reap", "ignore", "--log", "json");
        // The kernel reaps these ten by itself; their pids must not be signalled at shutdown, for they may be reused.
        for (int i = 0; i < 10; i++)
        {
            using var done = new TcpClientSession(server.Port);
            Assert.Equal("you send:x", done.Exchange("x", "you send:x"));
            done.Send("q");
            Assert.True(done.ServerClosed());
        }
        Assert.True(Wait.Until(() => ProcFs.ChildrenOf(server.Pid).Count == 0, TimeSpan.FromSeconds(10)));
        var clients = Connect(server, 2);
        try
        {
            server.Signal(ProcFs.SIGTERM);
            Assert.Equal(0, server.WaitForExit(TimeSpan.FromSeconds(30)));
            Assert.Equal(2, Assert.Single(server.Events("stopping")).GetProperty("running").GetInt32());
            var stopped = Assert.Single(server.Events("stopped"));
            Assert.Equal(2, stopped.GetProperty("running_at_shutdown").GetInt32());
            Assert.Equal(0, stopped.GetProperty("killed").GetInt32());
            Assert.All(clients, client => Assert.True(SeesClosed(client)));
        }
        finally
        {
            clients.ForEach(c => c.Dispose());
        }
    }

    /// <summary>Connects clients one by one and has each served once, so each has its own child when this returns.</summary>
    private static List<TcpClientSession> Connect(ServerProcess server, int count)
    {
        var clients = new List<TcpClientSession>();
        for (int i = 0; i < count; i++)
        {
            var client = new TcpClientSession(server.Port);
            clients.Add(client);
            Assert.Equal($"you send:{i}", client.Exchange($"{i}", $"you send:{i}"));
        }
        Assert.True(Wait.Until(() => ProcFs.ChildrenOf(server.Pid).Count == count, TimeSpan.FromSeconds(10)));
        return clients;
    }

    /// <summary>
    /// Stops (SIGSTOP) the first of the server's children, which then keeps SIGTERM pending and ends only on SIGKILL;
    /// returns every process of the server's tree.
    /// </summary>
    private static List<int> StopFirstChild(ServerProcess server)
    {
        var tree = ProcFs.Descendants(server.Pid);
        ProcFs.Kill(tree[0], ProcFs.SIGSTOP);
        Assert.True(Wait.Until(() => ProcFs.Read(tree[0])?.State == 'T', TimeSpan.FromSeconds(5)));
        return tree;
    }

    /// <summary>The client's end shows the connection closed: end of stream, or a reset.</summary>
    private static bool SeesClosed(TcpClientSession client)
    {
        try
        {
            return client.ServerClosed();
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionReset)
        {
            return true;
        }
    }
}
