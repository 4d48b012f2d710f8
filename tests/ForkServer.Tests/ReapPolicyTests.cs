using ForkServer.Tests.Support;

namespace ForkServer.Tests;

/// <summary>What each --reap policy leaves in the process table, read from /proc as ps would show it.</summary>
[Trait("Category", "Linux")]
public sealed class ReapPolicyTests
{
    public static TheoryData<Build> Builds => [Build.Jit, Build.Aot];

    [Theory]
    [MemberData(nameof(Builds))]
    public void NoneLeavesEveryFinishedChildAZombie(Build build)
    {
        using var server = ServerProcess.Start(build, "--reap", "none");
        ServeShortSessions(server, 12);
        Assert.True(Wait.Until(() => ProcFs.ZombieChildren(server.Pid) == 12, TimeSpan.FromSeconds(10)),
            $"expected 12 zombies, saw {ProcFs.ZombieChildren(server.Pid)}");
        Thread.Sleep(1500);
        var children = ProcFs.ChildrenOf(server.Pid);
        Assert.Equal(12, children.Count);
        Assert.All(children, c => Assert.Equal('Z', c.State));
    }

    [Fact]
    public void NoneLeavesZombiesEvenWhenTheServerIsStartedWithSigchldIgnored()
    {
        // SIG_IGN survives exec: a server started by a program that ignores SIGCHLD would have the kernel reap its
        // children under every policy, unless it puts SIGCHLD back to SIG_DFL first.
        Assert.SkipUnless(File.Exists("/usr/bin/perl"), "needs perl to start the server with SIGCHLD ignored");
        using var server = ServerProcess.StartUnder(["/usr/bin/perl", "-e", "$SIG{CHLD} = 'IGNORE'; exec @ARGV or die $!"], Build.Jit, "--reap", "none");
        ServeShortSessions(server, 3);
        Assert.True(Wait.Until(() => ProcFs.ZombieChildren(server.Pid) == 3, TimeSpan.FromSeconds(10)),
            $"expected 3 zombies, saw {ProcFs.ZombieChildren(server.Pid)}");
    }

    [Theory]
    [MemberData(nameof(Builds))]
    public void AcceptLeavesZombiesUntilTheNextClientConnects(Build build)
    {
        using var server = ServerProcess.Start(build, "--reap", "accept");
        // All five are accepted before any ends: each accept reaps what finished before it.
        var sessions = Enumerable.Range(0, 5).Select(_ => new TcpClientSession(server.Port)).ToList();
        foreach (var session in sessions)
        {
            Assert.Equal("you send:a", session.Exchange("a", "you send:a"));
        }
        foreach (var session in sessions)
        {
            session.Send("q");
            Assert.True(session.ServerClosed());
            session.Dispose();
        }
        Assert.True(Wait.Until(() => ProcFs.ZombieChildren(server.Pid) == 5, TimeSpan.FromSeconds(10)));
        Thread.Sleep(1500);
        Assert.Equal(5, ProcFs.ZombieChildren(server.Pid));

        using var next = new TcpClientSession(server.Port);
        Assert.Equal("you send:next", next.Exchange("next", "you send:next"));
        Assert.Equal(0, ProcFs.ZombieChildren(server.Pid));
        var children = ProcFs.ChildrenOf(server.Pid);
        Assert.Single(children);
        Assert.NotEqual('Z', children[0].State);
    }

    /// <summary>The log counts the zombies left after each reap as /proc shows them: 4, 3, 2, 1, 0 for five.</summary>
    [Fact]
    public void EachReapUnderAcceptSaysHowManyZombiesAreLeft()
    {
        using var server = ServerProcess.Start("--reap", "accept", "--log", "json");
        // All five served before any ends, so that one accept finds all five zombies.
        var sessions = Enumerable.Range(0, 5).Select(_ => new TcpClientSession(server.Port)).ToList();
        foreach (var session in sessions)
        {
            Assert.Equal("you send:a", session.Exchange("a", "you send:a"));
        }
        foreach (var session in sessions)
        {
            session.Send("q");
            Assert.True(session.ServerClosed());
            session.Dispose();
        }
        Assert.True(Wait.Until(() => server.Events("exited").Count == 5, TimeSpan.FromSeconds(10)), server.Transcript());
        using var next = new TcpClientSession(server.Port);
        Assert.Equal("you send:next", next.Exchange("next", "you send:next"));
        Assert.True(Wait.Until(() => server.Events("reaped").Count == 5, TimeSpan.FromSeconds(10)), server.Transcript());
        Assert.Equal([4, 3, 2, 1, 0], server.Events("reaped").Select(e => e.GetProperty("zombies_left").GetInt32()));
    }

    [Theory]
    [MemberData(nameof(Builds))]
    public async Task SignalLeavesNoZombieOneSecondAfterABurst(Build build)
    {
        using var server = ServerProcess.Start(build, "--reap", "signal", "--quiet");
        await Parallel.ForAsync(0, 500, new ParallelOptions { MaxDegreeOfParallelism = 32 }, (i, _) =>
        {
            using var client = new TcpClientSession(server.Port);
            Assert.Equal($"you send:{i}", client.Exchange($"{i}", $"you send:{i}"));
            return ValueTask.CompletedTask;
        });
        Thread.Sleep(1000);
        Assert.Empty(ProcFs.ChildrenOf(server.Pid));
    }

    /// <summary>
    /// With SIGCHLD ignored the kernel reaps each child as it exits, so waitpid never hands the server a status: every
    /// child ends as "vanished", none as "reaped". /proc may still show a child as Z for an instant: since Linux 6.9
    /// exit_notify() marks the task a zombie before it asks whether the parent ignores SIGCHLD (a C program that
    /// ignores SIGCHLD shows the same on this kernel). So a sighting counts only if the child is still a zombie when
    /// /proc is read again a moment later.
    /// </summary>
    [Theory]
    [MemberData(nameof(Builds))]
    public async Task IgnoreLetsTheKernelReapEveryChild(Build build)
    {
        const int clients = 200;
        using var server = ServerProcess.Start(build, "--reap", "ignore", "--log", "json");
        var zombiesThatStayed = new List<string>();
        int samples = 0;
        using var done = new CancellationTokenSource();
        var watcher = Task.Run(() =>
        {
            while (!done.IsCancellationRequested)
            {
                foreach (var sighting in ProcFs.ChildrenOf(server.Pid).Where(c => c.State == 'Z'))
                {
                    Thread.Sleep(5);
                    if (ProcFs.Read(sighting.Pid) is { State: 'Z' } again && again.PPid == server.Pid)
                    {
                        zombiesThatStayed.Add($"{sighting.Pid} ({sighting.Comm})");
                    }
                }
                samples++;
            }
        }, TestContext.Current.CancellationToken);
        await Parallel.ForAsync(0, clients, new ParallelOptions { MaxDegreeOfParallelism = 8 }, (i, _) =>
        {
            using var client = new TcpClientSession(server.Port);
            Assert.Equal($"you send:{i}", client.Exchange($"{i}", $"you send:{i}"));
            return ValueTask.CompletedTask;
        });
        Assert.True(Wait.Until(() => server.Events("vanished").Count == clients, TimeSpan.FromSeconds(10)),
            $"{server.Events("vanished").Count} of {clients} children were seen to vanish\n{server.Transcript()}");
        done.Cancel();
        await watcher;
        Assert.True(samples > 10, $"only {samples} samples of /proc were taken");
        Assert.True(zombiesThatStayed.Count == 0, $"zombies that stayed: {string.Join(", ", zombiesThatStayed)}\n{server.Transcript()}");
        Assert.Empty(server.Events("reaped"));
        Assert.Empty(ProcFs.ChildrenOf(server.Pid));
    }

    private static void ServeShortSessions(ServerProcess server, int count)
    {
        for (int i = 0; i < count; i++)
        {
            using var client = new TcpClientSession(server.Port);
            Assert.Equal($"you send:{i}", client.Exchange($"{i}", $"you send:{i}"));
            client.Send("q");
            Assert.True(client.ServerClosed());
        }
    }
}
