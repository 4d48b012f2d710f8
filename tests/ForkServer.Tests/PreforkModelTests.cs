using System.Collections.Concurrent;
using ForkServer.Tests.Support;

namespace ForkServer.Tests;

/// <summary>The prefork model: workers forked at start, each accepting on the shared socket, replaced when they die.</summary>
[Trait("Category", "Linux")]
public sealed class PreforkModelTests
{
    public static TheoryData<Build> Builds => [Build.Jit, Build.Aot];

    [Theory]
    [MemberData(nameof(Builds))]
    public async Task TwoHundredClientsGetByteExactRepliesFromSeveralWorkers(Build build)
    {
        using var server = ServerProcess.Start(build, "--model", "prefork", "--workers", "4", "--log", "json");
        var failures = new ConcurrentBag<string>();
        await Parallel.ForAsync(0, 200, new ParallelOptions { MaxDegreeOfParallelism = 16 }, (i, _) =>
        {
            using var client = new TcpClientSession(server.Port);
            string message = $"client {i} says {new string((char)('a' + i % 26), i % 50)}";
            string reply = client.Exchange(message, "you send:" + message);
            if (reply != "you send:" + message)
            {
                failures.Add($"client {i}: {reply}");
            }
            client.Send("q");
            if (!client.ServerClosed())
            {
                failures.Add($"client {i}: q did not end the session");
            }
            return ValueTask.CompletedTask;
        });
        Assert.Empty(failures);
        Assert.True(Wait.Until(() => server.Events("accepted").Count == 200, TimeSpan.FromSeconds(10)), server.Transcript());
        var workers = server.Events("accepted").Select(e => e.GetProperty("pid").GetInt32()).Distinct().ToList();
        Assert.True(workers.Count >= 2, $"only worker(s) {string.Join(", ", workers)} served");
        Assert.All(workers, pid => Assert.Equal(server.Pid, ProcFs.Read(pid)?.PPid));
        Assert.Equal(4, ProcFs.ChildrenOf(server.Pid).Count);
    }

    [Theory]
    [MemberData(nameof(Builds))]
    public void AKilledWorkerIsReplacedAndClientsAreStillServed(Build build)
    {
        using var server = ServerProcess.Start(build, "--model", "prefork", "--workers", "3", "--log", "json");
        Assert.True(Wait.Until(() => ProcFs.ChildrenOf(server.Pid).Count == 3, TimeSpan.FromSeconds(10)), "3 workers never ran");
        var before = ProcFs.ChildrenOf(server.Pid).Select(s => s.Pid).ToList();
        int victim = before[0];
        ProcFs.Kill(victim, ProcFs.SIGKILL);
        Assert.True(Wait.Until(() => ProcFs.ChildrenOf(server.Pid) is { Count: 3 } now && now.All(s => s.Pid != victim && s.State != 'Z'),
            TimeSpan.FromSeconds(10)), $"worker {victim} was not replaced:\n{server.Transcript()}");
        int replacement = ProcFs.ChildrenOf(server.Pid).Select(s => s.Pid).Except(before).Single();
        server.WaitForLine(l => l.Contains("\"worker-started\"") && l.Contains($"\"child\":{replacement}"), TimeSpan.FromSeconds(5));
        for (int i = 0; i < 20; i++)
        {
            using var client = new TcpClientSession(server.Port);
            Assert.Equal($"you send:after {i}", client.Exchange($"after {i}", $"you send:after {i}"));
        }
    }

    [Theory]
    [MemberData(nameof(Builds))]
    public void SigtermStopsEveryWorkerAndExitsZeroWithTheClientsServedCounted(Build build)
    {
        using var server = ServerProcess.Start(build, "--model", "prefork", "--workers", "3", "--log", "json");
        for (int i = 0; i < 5; i++)
        {
            using var done = new TcpClientSession(server.Port);
            done.Exchange("hi", "you send:hi");
            done.Send("q");
            Assert.True(done.ServerClosed());
        }
        using var held = new TcpClientSession(server.Port);
        Assert.Equal("you send:held", held.Exchange("held", "you send:held"));
        var workers = ProcFs.Descendants(server.Pid);
        Assert.Equal(3, workers.Count);
        Assert.Equal(3, server.Events("worker-started").Count);

        server.Signal(ProcFs.SIGTERM);

        Assert.Equal(0, server.WaitForExit(TimeSpan.FromSeconds(20)));
        Assert.All(workers, pid => Assert.Null(ProcFs.Read(pid)));
        var stopped = Assert.Single(server.Events("stopped"));
        Assert.Equal(5, stopped.GetProperty("served").GetInt64());
        Assert.True(held.ServerClosed(), "the held client's connection stayed open");
    }
}
