using System.Text.Json;
using ForkServer.Tests.Support;

namespace ForkServer.Tests;

/// <summary>
/// What is particular to the process-spawn model (<c>--model spawn</c>); the echo and greet cases it shares with the
/// other models are in <see cref="ForkModelTests"/> and <see cref="ConcurrencyModelTests"/>. Each runs with a fresh
/// child per client (no pool) and with a pool of two waiting children (<c>--workers 2</c>), which clients are handed to.
/// </summary>
[Trait("Category", "Linux")]
public sealed class SpawnModelTests
{
    private const int PoolSize = 2;

    private static ServerProcess Start(bool pool, params string[] args) =>
        ServerProcess.Start(Build.Aot, [.. args, "--model", "spawn", "--log", "json", .. pool ? new[] { "--workers", $"{PoolSize}" } : []]);

    /// <summary>The pids of the children serving clients, from the lines that say so, in order.</summary>
    private static List<int> Serving(ServerProcess server, bool pool) =>
        [.. server.Events(pool ? "handed" : "spawned").Select(e => e.GetProperty("child").GetInt32())];

    /// <summary>The pool's lines that say it started a child in place of one that exited.</summary>
    private static List<JsonElement> Refills(ServerProcess server) =>
        [.. server.Events("pool").Where(e => e.GetProperty("message").GetString()!.StartsWith("pool refilled"))];

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void EachClientIsServedByANewProgramStartedByTheServerNotByAFork(bool pool)
    {
        using var server = Start(pool);
        using var client = new TcpClientSession(server.Port);
        Assert.Equal("you send:hi", client.Exchange("hi", "you send:hi"));
        Assert.True(Wait.Until(() => Serving(server, pool).Count == 1, TimeSpan.FromSeconds(10)), "the line naming the child");
        int child = Serving(server, pool).Single();
        Assert.Equal(server.Pid, ProcFs.Read(child)?.PPid);
        // A forked child would still run the server's own command line; this one was exec'd in the hidden role.
        string[] command = File.ReadAllText($"/proc/{child}/cmdline").TrimEnd('\0').Split('\0');
        Assert.Equal(Binaries.ServerFor(Build.Aot), command[0]);
        Assert.Equal("spawned-child", command[1]);
        Assert.Contains(pool ? "--handover" : "--fd", command);
        if (pool)
        {
            // The pool is full again: the served child plus PoolSize waiting for the next clients.
            Assert.True(Wait.Until(() => ProcFs.ChildrenOf(server.Pid).Count == 1 + PoolSize, TimeSpan.FromSeconds(10)), "the pool refilled");
        }
        else
        {
            Assert.Single(ProcFs.ChildrenOf(server.Pid));
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void StopEndsTheSessionsInProgressLogsTheirExitsAndLeavesNothingRunning(bool pool)
    {
        using var server = Start(pool, "--grace", "5");
        var clients = Enumerable.Range(0, 3).Select(_ => new TcpClientSession(server.Port)).ToList();
        foreach (var client in clients)
        {
            Assert.Equal("you send:a", client.Exchange("a", "you send:a"));
        }
        Assert.True(Wait.Until(() => Serving(server, pool).Count == 3, TimeSpan.FromSeconds(10)), "three serving children");
        var children = Serving(server, pool);
        Assert.All(children, pid => Assert.Equal(server.Pid, ProcFs.Read(pid)?.PPid));
        int waiting = pool ? PoolSize : 0;
        Assert.True(Wait.Until(() => ProcFs.ChildrenOf(server.Pid).Count == 3 + waiting, TimeSpan.FromSeconds(10)), "the pool refilled");
        var all = ProcFs.ChildrenOf(server.Pid).Select(c => c.Pid).ToList();

        server.Signal(ProcFs.SIGTERM);
        Assert.Equal(0, server.WaitForExit(TimeSpan.FromSeconds(20)));
        Assert.All(all, pid => Assert.Null(ProcFs.Read(pid)));
        Assert.All(clients, client => Assert.True(client.ServerClosed()));
        var reaped = server.Events("reaped");
        Assert.All(children, pid => Assert.Contains(reaped, e => e.GetProperty("child").GetInt32() == pid && e.GetProperty("signal").GetString() == "SIGTERM"));
        Assert.Equal(all.Count, reaped.Count);
        var stopped = Assert.Single(server.Events("stopped"));
        Assert.Equal(3 + waiting, stopped.GetProperty("running_at_shutdown").GetInt32());
        Assert.Equal(0, stopped.GetProperty("killed").GetInt32());
        clients.ForEach(c => c.Dispose());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void SpawnedChildrenDieWithTheServerEvenOfSigkill(bool pool)
    {
        using var server = Start(pool);
        var clients = Enumerable.Range(0, 3).Select(_ => new TcpClientSession(server.Port)).ToList();
        try
        {
            foreach (var client in clients)
            {
                Assert.Equal("you send:a", client.Exchange("a", "you send:a"));
            }
            int waiting = pool ? PoolSize : 0;
            Assert.True(Wait.Until(() => Serving(server, pool).Count == 3 && ProcFs.ChildrenOf(server.Pid).Count == 3 + waiting, TimeSpan.FromSeconds(10)),
                "three serving children, and the pool full");
            var children = ProcFs.ChildrenOf(server.Pid).Select(c => c.Pid).ToList();

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

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void MaxChildrenHoldsFurtherClientsInTheBacklogUntilAChildExits(bool pool)
    {
        using var server = Start(pool, "--max-children", "2");
        using var first = new TcpClientSession(server.Port);
        using var second = new TcpClientSession(server.Port);
        Assert.Equal("you send:1", first.Exchange("1", "you send:1"));
        Assert.Equal("you send:2", second.Exchange("2", "you send:2"));
        using var third = new TcpClientSession(server.Port);
        third.Send("3");
        server.WaitForLine(l => l.Contains("the limit (--max-children 2)"), TimeSpan.FromSeconds(10));
        // Children waiting in the pool serve no one: the limit counts the two that do.
        Assert.Equal(2, Serving(server, pool).Count);
        Assert.True(Wait.Until(() => ProcFs.ChildrenOf(server.Pid).Count == 2 + (pool ? PoolSize : 0), TimeSpan.FromSeconds(10)), "the pool refilled");

        first.Send("q");
        Assert.True(first.ServerClosed());
        Assert.Equal("you send:3", third.ReceiveText("you send:3".Length));
        Assert.True(Wait.Until(() => Serving(server, pool).Count == 3, TimeSpan.FromSeconds(10)), "the third client's child");
    }

    [Fact]
    public void WithClientsPerChildAPoolChildServesThatManyClientsOneAfterAnotherThenExits()
    {
        const int PerChild = 3;
        using var server = Start(pool: true, "--clients-per-child", $"{PerChild}");
        for (int i = 1; i <= 3 * PerChild; i++)
        {
            using (var client = new TcpClientSession(server.Port))
            {
                Assert.Equal($"you send:{i}", client.Exchange($"{i}", $"you send:{i}"));
            }
            // The child says it waits again once it has seen the client go; the next client may come before that, and
            // then goes to another child, which the assertions below allow.
            Wait.Until(() => server.Events("returned").Count + server.Events("reaped").Count >= i, TimeSpan.FromSeconds(10));
        }
        Assert.True(Wait.Until(() => Serving(server, true).Count == 3 * PerChild, TimeSpan.FromSeconds(10)), server.Transcript());
        var byChild = Serving(server, true).GroupBy(pid => pid).ToDictionary(g => g.Key, g => g.Count());
        Assert.All(byChild.Values, count => Assert.InRange(count, 1, PerChild));
        // Children are reused: fewer programs started than clients served.
        Assert.True(byChild.Count < 3 * PerChild, $"{byChild.Count} children for {3 * PerChild} clients: no child served a second client");
        var full = byChild.Where(c => c.Value == PerChild).Select(c => c.Key).ToList();
        Assert.NotEmpty(full);
        // A child that has served its clients exits by itself, with its last session's status (0: the client left).
        Assert.True(Wait.Until(() => full.All(pid => server.Events("reaped").Any(e => e.GetProperty("child").GetInt32() == pid)), TimeSpan.FromSeconds(10)),
            server.Transcript());
        Assert.All(server.Events("reaped").Where(e => full.Contains(e.GetProperty("child").GetInt32())),
            e => Assert.Equal(0, e.GetProperty("exit_code").GetInt32()));
        // And the pool is kept: PoolSize waiting at least, never more than twice that.
        Assert.True(Wait.Until(() => ProcFs.ChildrenOf(server.Pid).Count is >= PoolSize and <= 2 * PoolSize, TimeSpan.FromSeconds(10)), server.Transcript());
    }

    [Fact]
    public void APoolChildKilledWhileWaitingIsReplacedAtOnceNotWhenTheNextClientComes()
    {
        using var server = Start(pool: true);
        server.WaitForLine(l => l.Contains("children started and waiting"), TimeSpan.FromSeconds(10));
        var waiting = ProcFs.ChildrenOf(server.Pid).Select(c => c.Pid).ToList();
        Assert.Equal(PoolSize, waiting.Count);
        // Running (the runtime has its threads), a waiting child names itself as ps should show it: exec had named it
        // after the file it ran, "exe".
        Assert.True(Wait.Until(() => waiting.All(p => ProcFs.Threads(p) > 1 && ProcFs.Read(p) is { Comm: "fs-spawned" }), TimeSpan.FromSeconds(20)),
            string.Join(", ", waiting.Select(p => ProcFs.Read(p)?.Comm)));
        int killed = waiting[0];

        ProcFs.Kill(killed, ProcFs.SIGKILL);
        Assert.True(Wait.Until(() => Refills(server).Count == 1 && ProcFs.ChildrenOf(server.Pid) is { Count: PoolSize } now && now.All(c => c.Pid != killed),
            TimeSpan.FromSeconds(10)), server.Transcript());
        var reaped = Assert.Single(server.Events("reaped"));
        Assert.Equal(killed, reaped.GetProperty("child").GetInt32());
        Assert.Equal("SIGKILL", reaped.GetProperty("signal").GetString());
        var refill = Assert.Single(Refills(server));
        int replacement = refill.GetProperty("child").GetInt32();
        Assert.DoesNotContain(replacement, waiting);
        Assert.Contains(replacement, ProcFs.ChildrenOf(server.Pid).Select(c => c.Pid));
        Assert.Equal(PoolSize, refill.GetProperty("waiting").GetInt32());
        // No client came: the pool refilled on the death alone.
        Assert.Empty(server.Events("handed"));

        using (var client = new TcpClientSession(server.Port))
        {
            Assert.Equal("you send:after", client.Exchange("after", "you send:after"));
        }
        server.Signal(ProcFs.SIGTERM);
        Assert.Equal(0, server.WaitForExit(TimeSpan.FromSeconds(20)));
    }

    [Fact]
    public void APoolChildThatExitsBeforeItsFirstClientIsAFailedStartNotRestartedInALoop()
    {
        Assert.SkipUnless(ProcFs.IsRoot && File.Exists("/usr/bin/setpriv") && File.Exists("/usr/bin/prlimit"),
            "needs root, setpriv and prlimit (util-linux) to run the server under a process limit of its own");
        // RLIMIT_NPROC counts every process of the user on the machine: a uid of its own makes the count the server's.
        int uid = 100_000 + Environment.ProcessId;
        // Three tasks: the server's two threads (main, finalizer) and one child, whose runtime cannot start a thread.
        using var server = ServerProcess.StartUnder(
            ["/usr/bin/setpriv", $"--reuid={uid}", $"--regid={uid}", "--clear-groups", "/usr/bin/prlimit", "--nproc=3:"],
            Build.Aot, "--model", "spawn", "--log", "json", "--workers", $"{PoolSize}");
        Assert.True(Wait.Until(() => server.Events("reaped").Count > 0, TimeSpan.FromSeconds(10)), server.Transcript());
        // Restarted on each reap, a child that cannot start would exit hundreds of times a second.
        Thread.Sleep(TimeSpan.FromSeconds(3));
        var reaped = server.Events("reaped");
        Assert.InRange(reaped.Count, 1, PoolSize);
        Assert.All(reaped, e => Assert.Equal(255, e.GetProperty("exit_code").GetInt32()));
        Assert.Empty(Refills(server));
        var failed = server.ErrorEvents("pool").Where(e => e.GetProperty("message").GetString()!.Contains("before its first client")).ToList();
        Assert.Equal(reaped.Select(e => e.GetProperty("child").GetInt32()), failed.Select(e => e.GetProperty("child").GetInt32()));

        LimitTests.SetSoftLimit(server.Pid, "nproc", null);
        using (var client = new TcpClientSession(server.Port))
        {
            Assert.Equal("you send:after", client.Exchange("after", "you send:after"));
        }
        // The exit of the child that served fills the pool again.
        Assert.True(Wait.Until(() => Refills(server).Count > 0 && ProcFs.ChildrenOf(server.Pid).Count == PoolSize, TimeSpan.FromSeconds(10)),
            server.Transcript());
    }

    [Fact]
    public void APoolChildThatServedItsLastClientIsReplacedBeforeAnotherClientComes()
    {
        using var server = ServerProcess.Start(Build.Aot, "--model", "spawn", "--log", "json", "--workers", "1", "--clients-per-child", "2");
        server.WaitForLine(l => l.Contains("children started and waiting"), TimeSpan.FromSeconds(10));
        for (int i = 1; i <= 2; i++)
        {
            using (var client = new TcpClientSession(server.Port))
            {
                Assert.Equal($"you send:{i}", client.Exchange($"{i}", $"you send:{i}"));
            }
            // Back in line before the second client comes, so that client is its second and last.
            Assert.True(Wait.Until(() => server.Events("returned").Count + server.Events("reaped").Count >= i, TimeSpan.FromSeconds(10)), server.Transcript());
        }
        var served = Serving(server, pool: true);
        Assert.Equal(2, served.Count);
        Assert.Equal(served[0], served[1]);
        int done = served[0];
        Assert.True(Wait.Until(() => server.Events("reaped").Any(e => e.GetProperty("child").GetInt32() == done), TimeSpan.FromSeconds(10)), server.Transcript());
        Assert.Equal(0, server.Events("reaped").Single(e => e.GetProperty("child").GetInt32() == done).GetProperty("exit_code").GetInt32());
        // One child waits again, not the one that exited, and no third client was needed to start it.
        Assert.True(Wait.Until(() => ProcFs.ChildrenOf(server.Pid) is [var waiting] && waiting.Pid != done && ProcFs.IsAlive(waiting.Pid), TimeSpan.FromSeconds(10)),
            server.Transcript());
        Assert.Equal(2, server.Events("handed").Count);

        using (var client = new TcpClientSession(server.Port))
        {
            Assert.Equal("you send:3", client.Exchange("3", "you send:3"));
        }
        server.Signal(ProcFs.SIGTERM);
        Assert.Equal(0, server.WaitForExit(TimeSpan.FromSeconds(20)));
        // The child started in its place when it took its first client waits: its exit left the pool full, and no refill ran.
        Assert.Empty(Refills(server));
    }

    [Fact]
    public void AChildThatWaitsAgainNoLongerCountsItsLastClientAgainstMaxPerIp()
    {
        using var server = Start(pool: true, "--clients-per-child", "10", "--max-per-ip", "1");
        for (int i = 1; i <= 4; i++)
        {
            using (var client = new TcpClientSession(server.Port))
            {
                Assert.Equal($"you send:{i}", client.Exchange($"{i}", $"you send:{i}"));
            }
            Assert.True(Wait.Until(() => server.Events("returned").Count >= i, TimeSpan.FromSeconds(10)), server.Transcript());
        }
        var returned = server.Events("returned");
        Assert.All(returned, e => Assert.Equal(10, e.GetProperty("clients_per_child").GetInt32()));
        Assert.DoesNotContain(server.Errors, l => l.Contains("\"refusing\""));
    }

    [Fact]
    public void ClientsPerChildIsRefusedInOneLineWhereNoPoolServes()
    {
        string[][] cases = [["--model", "fork", "--clients-per-child", "2"], ["--model", "spawn", "--clients-per-child", "2"], ["--model", "spawn", "--workers", "2", "--clients-per-child", "0"]];
        foreach (string[] args in cases)
        {
            var run = ProgramRun.Of(Binaries.Server, [.. args, "--port", "0"]);
            Assert.Equal(2, run.ExitCode);
            Assert.Contains("forkserver: --clients-per-child", Assert.Single(run.Errors));
        }
    }
}
