using System.Text.RegularExpressions;
using ForkServer.Tests.Support;

namespace ForkServer.Tests;

/// <summary><c>forkserver demo orphan</c>: who adopts the orphan, read from /proc while it lives, and that it is reaped.</summary>
[Trait("Category", "Linux")]
public sealed partial class OrphanDemoTests
{
    public static TheoryData<Build> Builds => [Build.Jit, Build.Aot];

    [Theory]
    [MemberData(nameof(Builds))]
    public void TheOrphanIsAdoptedByPid1OrTheNearestSubreaperAboveAndReaped(Build build)
    {
        using var demo = ServerProcess.Launch(Binaries.ServerFor(build), ["demo", "orphan", "--hold", "2"]);
        var (parent, child) = ParentAndChild(demo);
        // The kernel hands an orphan to the nearest subreaper among its ancestors, else to PID 1.
        var candidates = ProcFs.Ancestors(demo.Pid);
        Assert.Equal(parent, ProcFs.Read(child)?.PPid);

        demo.WaitForLine(l => l.Contains($"child {child}: my parent {parent} exited"), TimeSpan.FromSeconds(30));
        int adopter = ProcFs.Read(child)!.Value.PPid;
        Assert.NotEqual(parent, adopter);
        Assert.True(adopter == 1 || candidates.Contains(adopter), $"orphan {child} went to {adopter}, not PID 1 nor an ancestor ({string.Join(", ", candidates)})");
        Assert.Contains(demo.Output, l => l.Contains($"getppid() is now {adopter} and /proc/{child}/stat says parent {adopter}: adopted by {adopter} ("));

        Assert.Equal(0, demo.WaitForExit(TimeSpan.FromSeconds(40)));
        Assert.Null(ProcFs.Read(child));
    }

    [Theory]
    [MemberData(nameof(Builds))]
    public void WithSubreaperTheDemoAdoptsTheOrphanAndReapsIt(Build build)
    {
        using var demo = ServerProcess.Launch(Binaries.ServerFor(build), ["demo", "orphan", "--subreaper", "--hold", "2"]);
        var (parent, child) = ParentAndChild(demo);
        Assert.Equal(parent, ProcFs.Read(child)?.PPid);

        demo.WaitForLine(l => l.Contains($"child {child}: my parent {parent} exited"), TimeSpan.FromSeconds(30));
        Assert.Equal(demo.Pid, ProcFs.Read(child)?.PPid);
        Assert.Contains(demo.Output, l => l.Contains($"adopted by {demo.Pid} (forkserver)") && l.Contains("subreaper"));

        Assert.Equal(0, demo.WaitForExit(TimeSpan.FromSeconds(30)));
        Assert.Contains(demo.Output, l => l.Contains($"waitpid({child}): the orphan exited with status 0; process {demo.Pid} adopted it and reaped it"));
        Assert.Null(ProcFs.Read(child));
    }

    private static (int Parent, int Child) ParentAndChild(ServerProcess demo)
    {
        var match = Forked().Match(demo.WaitForLine(l => Forked().IsMatch(l), TimeSpan.FromSeconds(30)));
        return (int.Parse(match.Groups[1].Value), int.Parse(match.Groups[2].Value));
    }

    [GeneratedRegex(@"parent (\d+): forked child (\d+)")]
    private static partial Regex Forked();
}
