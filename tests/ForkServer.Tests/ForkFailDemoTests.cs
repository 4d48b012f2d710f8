using System.Text.RegularExpressions;
using ForkServer.Tests.Support;

namespace ForkServer.Tests;

/// <summary><c>forkserver demo fork-fail</c>: fork fails with EAGAIN at RLIMIT_NPROC, with the children it counts alive in /proc.</summary>
[Trait("Category", "Linux")]
public sealed partial class ForkFailDemoTests
{
    [Fact]
    public void ForkFailsWithEagainAtTheLimitAndWorksAgainAfterAReap()
    {
        using var demo = ServerProcess.Launch(Binaries.Server, ["demo", "fork-fail", "--extra", "4", "--hold", "3"]);
        string failed = demo.WaitForLine(l => l.Contains("failed: EAGAIN") || l.Contains("demo-failed") || l.Contains("forkserver demo"), TimeSpan.FromSeconds(30));
        var match = Failed().Match(failed);
        Assert.True(match.Success, demo.Transcript());
        var pids = match.Groups["pids"].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse).ToList();
        Assert.Equal(int.Parse(match.Groups["forked"].Value), pids.Count);

        // The children it counted are alive under it, and the limit it set is the one /proc shows.
        var children = ProcFs.ChildrenOf(demo.Pid);
        Assert.Equal(pids.Order(), children.Select(c => c.Pid).Order());
        Assert.All(children, c => Assert.Equal("fs-demo-nproc", c.Comm));
        string limits = File.ReadAllLines($"/proc/{demo.Pid}/limits").Single(l => l.StartsWith("Max processes", StringComparison.Ordinal));
        Assert.Equal(match.Groups["limit"].Value, limits.Split(' ', StringSplitOptions.RemoveEmptyEntries)[2]);

        Assert.Equal(0, demo.WaitForExit(TimeSpan.FromSeconds(30)));
        Assert.Contains(demo.Output, l => l.Contains("the next fork works") || l.Contains("another process of uid"));
    }

    [GeneratedRegex(@"forked (?<forked>\d+) children \((?<pids>[\d ]*)\); then fork failed: EAGAIN.* limit of (?<limit>\d+) tasks")]
    private static partial Regex Failed();
}
