using ForkServer.Tests.Support;

namespace ForkServer.Tests;

/// <summary>
/// What is particular to the process-spawn model (<c>--model spawn</c>); the echo and greet cases it shares with the
/// other models are in <see cref="ForkModelTests"/> and <see cref="ConcurrencyModelTests"/>.
/// </summary>
[Trait("Category", "Linux")]
public sealed class SpawnModelTests
{
    [Fact]
    public void EachClientIsServedByANewProgramStartedByTheServerNotByAFork()
    {
        using var server = ServerProcess.Start(Build.Aot, "--model", "spawn", "--log", "json");
        using var client = new TcpClientSession(server.Port);
        Assert.Equal("you send:hi", client.Exchange("hi", "you send:hi"));
        var child = Assert.Single(ProcFs.ChildrenOf(server.Pid));
        // A forked child would still run the server's own command line; this one was exec'd in the hidden role.
        string[] command = File.ReadAllText($"/proc/{child.Pid}/cmdline").TrimEnd('\0').Split('\0');
        Assert.Equal(Binaries.ServerFor(Build.Aot), command[0]);
        Assert.Equal("spawned-child", command[1]);
        Assert.Contains("--fd", command);
        Assert.Equal(child.Pid, server.Events("spawned").Single().GetProperty("child").GetInt32());
    }

    [Fact]
    public void StopEndsTheSessionsInProgressLogsTheirExitsAndLeavesNothingRunning()
    {
        using var server = ServerProcess.Start(Build.Aot, "--model", "spawn", "--log", "json", "--grace", "5");
        var clients = Enumerable.Range(0, 3).Select(_ => new TcpClientSession(server.Port)).ToList();
        foreach (var client in clients)
        {
            Assert.Equal("you send:a", client.Exchange("a", "you send:a"));
        }
        Assert.True(Wait.Until(() => server.Events("spawned").Count == 3, TimeSpan.FromSeconds(10)), "three spawned events");
        var children = server.Events("spawned").Select(e => e.GetProperty("child").GetInt32()).ToList();
        Assert.All(children, pid => Assert.Equal(server.Pid, ProcFs.Read(pid)?.PPid));

        server.Signal(ProcFs.SIGTERM);
        Assert.Equal(0, server.WaitForExit(TimeSpan.FromSeconds(20)));
        Assert.All(children, pid => Assert.Null(ProcFs.Read(pid)));
        Assert.All(clients, client => Assert.True(client.ServerClosed()));
        Assert.Equal(3, server.Events("reaped").Count(e => e.GetProperty("signal").GetString() == "SIGTERM"));
        var stopped = Assert.Single(server.Events("stopped"));
        Assert.Equal(3, stopped.GetProperty("running_at_shutdown").GetInt32());
        Assert.Equal(0, stopped.GetProperty("killed").GetInt32());
        clients.ForEach(c => c.Dispose());
    }

    [Fact]
    public void SpawnedChildrenDieWithTheServerEvenOfSigkill()
    {
        using var server = ServerProcess.Start(Build.Aot, "--model", "spawn", "--log", "json");
        var clients = Enumerable.Range(0, 3).Select(_ => new TcpClientSession(server.Port)).ToList();
        try
        {
            foreach (var client in clients)
            {
                Assert.Equal("you send:a", client.Exchange("a", "you send:a"));
            }
            Assert.True(Wait.Until(() => server.Events("spawned").Count == 3, TimeSpan.FromSeconds(10)), "three spawned events");
            var children = server.Events("spawned").Select(e => e.GetProperty("child").GetInt32()).ToList();

            // No stop runs: only the parent-death signal the exec kept can end children whose clients are still there.
            server.Signal(ProcFs.SIGKILL);
            server.WaitForExit(TimeSpan.FromSeconds(20));
            Assert.True(Wait.Until(() => !children.Any(ProcFs.IsAlive), TimeSpan.FromSeconds(1)),
                $"spawned children still alive 1 s after the server died: {string.Join(", ", children.Where(ProcFs.IsAlive))}");
            Assert.All(clients, client => Assert.True(client.ServerClosed()));
        }
        finally
        {
            clients.ForEach(c => c.Dispose());
        }
    }

    [Fact]
    public void MaxChildrenHoldsFurtherClientsInTheBacklogUntilAChildExits()
    {
        using var server = ServerProcess.Start(Build.Aot, "--model", "spawn", "--max-children", "2", "--log", "json");
        using var first = new TcpClientSession(server.Port);
        using var second = new TcpClientSession(server.Port);
        Assert.Equal("you send:1", first.Exchange("1", "you send:1"));
        Assert.Equal("you send:2", second.Exchange("2", "you send:2"));
        using var third = new TcpClientSession(server.Port);
        third.Send("3");
        server.WaitForLine(l => l.Contains("the limit (--max-children 2)"), TimeSpan.FromSeconds(10));
        Assert.Equal(2, server.Events("spawned").Count);
        Assert.Equal(2, ProcFs.ChildrenOf(server.Pid).Count);

        first.Send("q");
        Assert.True(first.ServerClosed());
        Assert.Equal("you send:3", third.ReceiveText("you send:3".Length));
        Assert.True(Wait.Until(() => server.Events("spawned").Count == 3, TimeSpan.FromSeconds(10)), "the third client's child");
    }
}
