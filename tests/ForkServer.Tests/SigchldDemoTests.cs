using System.Text.RegularExpressions;
using ForkServer.Tests.Support;

namespace ForkServer.Tests;

/// <summary><c>forkserver demo sigchld</c>: the counts it prints are what /proc shows.</summary>
[Trait("Category", "Linux")]
public sealed partial class SigchldDemoTests
{
    [Fact]
    public void OneWaitPerSignalLeavesTheZombiesProcShowsAndTheLoopLeavesNone()
    {
        using var demo = ServerProcess.Launch(Binaries.Server, ["demo", "sigchld", "--children", "12", "--hold", "3"]);
        string first = demo.WaitForLine(l => l.Contains("way 1"), TimeSpan.FromSeconds(60));
        var counts = Counts().Match(first);
        Assert.True(counts.Success, first);
        int signals = int.Parse(counts.Groups["signals"].Value), reaped = int.Parse(counts.Groups["reaped"].Value), zombies = int.Parse(counts.Groups["zombies"].Value);
        var listed = Pids().Match(first).Groups[1].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse).ToList();

        var inProc = ProcFs.ChildrenOf(demo.Pid).Where(c => c.State == 'Z').ToList();
        Assert.Equal(zombies, inProc.Count);
        Assert.Equal(listed.Order(), inProc.Select(c => c.Pid).Order());
        Assert.All(inProc, c => Assert.Equal("fs-demo-sigchld", c.Comm));
        // One wait() per delivery, and every child either reaped or a zombie.
        Assert.Equal(signals, reaped);
        Assert.Equal(12, reaped + zombies);

        string second = demo.WaitForLine(l => l.Contains("way 2"), TimeSpan.FromSeconds(60));
        var loop = Counts().Match(second);
        Assert.Equal("12", loop.Groups["reaped"].Value);
        Assert.Equal("0", loop.Groups["zombies"].Value);
        Assert.DoesNotContain(ProcFs.ChildrenOf(demo.Pid), c => c.State == 'Z');
        Assert.Equal(0, demo.WaitForExit(TimeSpan.FromSeconds(30)));
    }

    /// <summary>
    /// Ctrl-C (SIGINT) or SIGTERM during the hold ends the demo at once, killed by that signal as the other demos are,
    /// and takes its children with it: none is left running, and its zombies are reaped by whoever adopts them.
    /// </summary>
    [Theory]
    [InlineData(ProcFs.SIGINT)]
    [InlineData(ProcFs.SIGTERM)]
    public void ASignalDuringTheHoldEndsTheDemoAndItsChildren(int signal)
    {
        using var demo = ServerProcess.Launch(Binaries.Server, ["demo", "sigchld", "--hold", "60"]);
        demo.WaitForLine(l => l.Contains("see the zombies"), TimeSpan.FromSeconds(60));
        var children = ProcFs.ChildrenOf(demo.Pid).Select(c => c.Pid).ToList();

        demo.Signal(signal);
        Assert.Equal(128 + signal, demo.WaitForExit(TimeSpan.FromSeconds(10)));
        Assert.True(Wait.Until(() => children.All(pid => ProcFs.Read(pid) is not { Comm: "fs-demo-sigchld" }), TimeSpan.FromSeconds(10)),
            string.Join('\n', children.Select(pid => ProcFs.Read(pid).ToString())));
    }

    [GeneratedRegex(@"(?<children>\d+) children exited; SIGCHLD came (?<signals>\d+) times?; (?<reaped>\d+) reaped; /proc shows (?<zombies>\d+) zombies")]
    private static partial Regex Counts();

    [GeneratedRegex(@"zombies: ([\d ]*)$")]
    private static partial Regex Pids();
}
