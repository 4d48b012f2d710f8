using System.Diagnostics;
using System.Net.Sockets;
using ForkServer.Tests.Support;

namespace ForkServer.Tests;

/// <summary>Graceful shutdown: SIGTERM to children, wait up to --grace, SIGKILL, reap, summary, exit 0, nothing left.</summary>
[Trait("Category", "Linux")]
public sealed class ShutdownTests
{
    public static TheoryData<Build> Builds => [Build.Jit, Build.Aot];

    /// <summary>
    /// One of the children is stopped (SIGSTOP, or Ctrl-Z in a terminal), and would keep SIGTERM pending until it is
    /// continued: the stop sends SIGCONT after SIGTERM, as systemd does, so it too ends on SIGTERM, not on SIGKILL.
    /// </summary>
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
            ProcFs.Kill(tree[0], ProcFs.SIGSTOP);
            Assert.True(Wait.Until(() => ProcFs.Read(tree[0])?.State == 'T', TimeSpan.FromSeconds(5)));

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
        using var server = StartWithAProgramThatMayIgnoreSigterm("1");
        var clients = ConnectFirstIgnoringSigterm(server, 3);
        try
        {
            var tree = ProcFs.Descendants(server.Pid);
            int stays = FirstChild(server);
            server.Signal(ProcFs.SIGTERM);
            Assert.Equal(0, server.WaitForExit(TimeSpan.FromSeconds(30)));
            Assert.Contains(server.Output, l => l.Contains("grace time over: sent SIGKILL to 1 processes"));
            var stopped = Assert.Single(server.Events("stopped"));
            Assert.Equal(3, stopped.GetProperty("running_at_shutdown").GetInt32());
            Assert.Equal(1, stopped.GetProperty("killed").GetInt32());
            Assert.Contains(server.Events("reaped"), e => e.GetProperty("child").GetInt32() == stays && e.GetProperty("signal").GetString() == "SIGKILL");
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
        using var server = StartWithAProgramThatMayIgnoreSigterm("120");
        var clients = ConnectFirstIgnoringSigterm(server, 3);
        try
        {
            var tree = ProcFs.Descendants(server.Pid);
            server.Signal(ProcFs.SIGTERM);
            server.WaitForLine(l => l.Contains("\"stopping\""), TimeSpan.FromSeconds(10));
            Assert.True(Wait.Until(() => ProcFs.Descendants(server.Pid).Count == 1, TimeSpan.FromSeconds(10)), "the other children did not end on SIGTERM");
            Assert.False(server.HasExited, "the server did not wait for the child that ignores SIGTERM");

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
    /// forkserver exec with a program that echoes lines and, if the first line is <c>stay</c>, ignores SIGTERM (as a
    /// program may): it then outlives any grace time.
    /// </summary>
    private static ServerProcess StartWithAProgramThatMayIgnoreSigterm(string grace) =>
        ServerProcess.Start("exec", "--port", "0", "--grace", grace, "--log", "json", "--",
            "/bin/sh", "-c", "IFS= read -r line; if [ \"$line\" = stay ]; then trap '' TERM; fi; echo \"$line\"; exec cat");

    /// <summary>Connects clients one by one, each served once; the first one's program ignores SIGTERM.</summary>
    private static List<TcpClientSession> ConnectFirstIgnoringSigterm(ServerProcess server, int count)
    {
        var clients = new List<TcpClientSession>();
        for (int i = 0; i < count; i++)
        {
            var client = new TcpClientSession(server.Port);
            clients.Add(client);
            string line = i == 0 ? "stay\n" : "go\n";
            Assert.Equal(line, client.Exchange(line, line));
        }
        Assert.True(Wait.Until(() => ProcFs.ChildrenOf(server.Pid).Count == count, TimeSpan.FromSeconds(10)));
        return clients;
    }

    /// <summary>The child forked for the first client.</summary>
    private static int FirstChild(ServerProcess server)
    {
        Assert.True(Wait.Until(() => server.Events("forked").Count > 0, TimeSpan.FromSeconds(10)), server.Transcript());
        return server.Events("forked")[0].GetProperty("child").GetInt32();
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
