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

    [Theory]
    [MemberData(nameof(Builds))]
    public async Task IgnoreNeverShowsAZombie(Build build)
    {
        using var server = ServerProcess.Start(build, "--reap", "ignore", "--quiet");
        var zombiesSeen = new List<string>();
        int samples = 0;
        using var done = new CancellationTokenSource();
        var watcher = Task.Run(() =>
        {
            while (!done.IsCancellationRequested)
            {
                zombiesSeen.AddRange(ProcFs.ChildrenOf(server.Pid).Where(c => c.State == 'Z').Select(c => $"{c.Pid} ({c.Comm})"));
                samples++;
            }
        }, TestContext.Current.CancellationToken);
        await Parallel.ForAsync(0, 200, new ParallelOptions { MaxDegreeOfParallelism = 8 }, (i, _) =>
        {
            using var client = new TcpClientSession(server.Port);
            Assert.Equal($"you send:{i}", client.Exchange($"{i}", $"you send:{i}"));
            return ValueTask.CompletedTask;
        });
        Thread.Sleep(500);
        done.Cancel();
        await watcher;
        Assert.True(samples > 10, $"only {samples} samples of /proc were taken");
        Assert.True(zombiesSeen.Count == 0, $"zombies seen: {string.Join(", ", zombiesSeen)}\n{server.Transcript()}");
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
