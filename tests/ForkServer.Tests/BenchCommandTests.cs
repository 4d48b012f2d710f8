using System.Text.Json;
using ForkServer.Tests.Support;

namespace ForkServer.Tests;

/// <summary><c>forkclient bench</c> against real servers: what it counts as served, and a thousand clients at once.</summary>
[Trait("Category", "Linux")]
public sealed class BenchCommandTests
{
    public static TheoryData<Build> Builds => [Build.Jit, Build.Aot];

    [Theory]
    [MemberData(nameof(Builds))]
    public void AThousandConcurrentClientsOfTheForkModelGetTheirRepliesAndLeaveNoZombie(Build build)
    {
        using var server = ServerProcess.Start(build, "--quiet");
        // --hold keeps every connection open for a while after its reply, so the thousand children overlap.
        var (exitCode, result) = Bench(server.Port, "--connections", "1000", "--concurrency", "1000", "--rounds", "2", "--hold", "1", "--timeout", "120");
        Assert.Equal(0, result.GetProperty("errors").GetInt32());
        Assert.Equal(1000, result.GetProperty("ok").GetInt32());
        Assert.Equal(0, exitCode);
        Assert.True(Wait.Until(() => ProcFs.ChildrenOf(server.Pid).Count == 0, TimeSpan.FromSeconds(30)),
            $"{ProcFs.ChildrenOf(server.Pid).Count} children left, {ProcFs.ZombieChildren(server.Pid)} of them zombies");
        Assert.Equal(0, ProcFs.ZombieChildren(server.Pid));
    }

    [Fact]
    public void RepliesThatDifferByOneByteAreCountedAsErrors()
    {
        using var server = ServerProcess.Start("--quiet", "--prefix", "you sent:");
        var (exitCode, result) = Bench(server.Port, "--connections", "20", "--concurrency", "4");
        Assert.Equal(1, exitCode);
        Assert.Equal(20, result.GetProperty("errors").GetInt32());
        Assert.Equal(0, result.GetProperty("ok").GetInt32());
        Assert.Equal(20, result.GetProperty("error_kinds").GetProperty("reply differs from the expected bytes").GetInt32());
    }

    [Fact]
    public void GreetConnectionsCheckTheGreetingAndTheClose()
    {
        using var server = ServerProcess.Start("--quiet", "--model", "prefork", "--protocol", "greet");
        var (exitCode, result) = Bench(server.Port, "--protocol", "greet", "--connections", "300", "--concurrency", "8");
        Assert.Equal(0, exitCode);
        Assert.Equal(300, result.GetProperty("ok").GetInt32());
        Assert.True(result.GetProperty("connections_per_second").GetDouble() > 0);
        Assert.True(result.GetProperty("p99_ms").GetDouble() <= result.GetProperty("max_ms").GetDouble());
    }

    [Fact]
    public void TheTextReportGivesRateErrorsAndLatencyPercentiles()
    {
        using var server = ServerProcess.Start("--quiet", "--model", "prefork");
        using var bench = ServerProcess.Launch(Binaries.Client, ["bench", "--port", server.Port.ToString(), "--connections", "200", "--rounds", "3", "--size", "100"]);
        Assert.Equal(0, bench.WaitForExit(TimeSpan.FromSeconds(60)));
        Assert.Contains(bench.Output, l => l.Contains("200 ok, 0 errors") && l.Contains("connections/s"));
        Assert.Contains(bench.Output, l => l.Contains("p50") && l.Contains("p90") && l.Contains("p99") && l.Contains("max"));
    }

    [Fact]
    public void NoServerMeansEveryConnectionIsARefusedError()
    {
        using var server = ServerProcess.Start("--quiet");
        int port = server.Port;
        server.Signal(ProcFs.SIGTERM);
        server.WaitForExit(TimeSpan.FromSeconds(20));
        var (exitCode, result) = Bench(port, "--connections", "10", "--concurrency", "2");
        Assert.Equal(1, exitCode);
        Assert.Equal(10, result.GetProperty("error_kinds").GetProperty("connect: ConnectionRefused").GetInt32());
    }

    internal static (int ExitCode, JsonElement Result) Bench(int port, params string[] args)
    {
        using var bench = ServerProcess.Launch(Binaries.Client, ["bench", "--port", port.ToString(), "--json", .. args]);
        int exitCode = bench.WaitForExit(TimeSpan.FromSeconds(300));
        string json = bench.Output.SingleOrDefault(l => l.StartsWith('{')) ?? throw new InvalidOperationException("no JSON:\n" + bench.Transcript());
        return (exitCode, JsonDocument.Parse(json).RootElement.Clone());
    }
}
