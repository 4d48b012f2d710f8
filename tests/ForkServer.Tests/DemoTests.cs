using System.Text.RegularExpressions;
using ForkServer.Tests.Support;

namespace ForkServer.Tests;

/// <summary>forkserver demo fork and demo thread print what they claim, with pids that check out.</summary>
[Trait("Category", "Linux")]
public sealed partial class DemoTests
{
    [Fact]
    public void ForkReturnsTwiceWithTheChildsPidInTheParentAndZeroInTheChild()
    {
        var run = ProgramRun.Of(Binaries.Server, ["demo", "fork"]);
        Assert.True(run.ExitCode == 0, run.Transcript());
        Assert.Single(run.Output, l => l.StartsWith("fork is called once but returns twice"));
        var parent = ParentLine().Match(Assert.Single(run.Output, l => l.StartsWith("parent: fork returned")));
        var child = ChildLine().Match(Assert.Single(run.Output, l => l.StartsWith("child:")));
        Assert.True(parent.Success && child.Success, run.Transcript());
        Assert.Equal(parent.Groups["child"].Value, child.Groups["pid"].Value);
        Assert.Equal(parent.Groups["pid"].Value, child.Groups["parent"].Value);
        Assert.Contains($"parent: child {child.Groups["pid"].Value} exited with status 0", run.Output);
    }

    [Fact]
    public void ThreadDemoMainAndChildBothPrintFromOneProcess()
    {
        var run = ProgramRun.Of(Binaries.Server, ["demo", "thread"]);
        Assert.Equal(0, run.ExitCode);
        Assert.Equal(3, run.Output.Count);
        Assert.StartsWith("MainThread (pid ", run.Output[0]);
        // The tutorial names its thread Childthread.
        Assert.StartsWith("Childthread (pid ", run.Output[1]);
        Assert.StartsWith("MainThread (pid ", run.Output[2]);
        Assert.Single(run.Output.Select(l => PidOf().Match(l).Groups[1].Value).Distinct());
    }

    [GeneratedRegex(@"^parent: fork returned (?<child>\d+) \(the child's pid\); my pid is (?<pid>\d+)$")]
    private static partial Regex ParentLine();

    [GeneratedRegex(@"^child:  fork returned 0; my pid is (?<pid>\d+), my parent is (?<parent>\d+)$")]
    private static partial Regex ChildLine();

    [GeneratedRegex(@"\(pid (\d+),")]
    private static partial Regex PidOf();
}
