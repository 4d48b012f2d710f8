using System.Text.RegularExpressions;
using ForkServer.Tests.Support;

namespace ForkServer.Tests;

/// <summary><c>forkserver demo zombie</c>: the child it shows as a zombie is one, in /proc, until the demo reaps it.</summary>
[Trait("Category", "Linux")]
public sealed partial class ZombieDemoTests
{
    public static TheoryData<Build> Builds => [Build.Jit, Build.Aot];

    [Theory]
    [MemberData(nameof(Builds))]
    public void TheChildIsAZombieWhileHeldAndGoneAfterTheReap(Build build)
    {
        using var demo = ServerProcess.Launch(Binaries.ServerFor(build), ["demo", "zombie", "--hold", "3"]);
        string line = demo.WaitForLine(l => l.Contains("nobody has waited for it"), TimeSpan.FromSeconds(30));
        int child = int.Parse(ZombieChild().Match(line).Groups[1].Value);

        var held = ProcFs.Read(child);
        Assert.Equal('Z', held?.State);
        Assert.Equal(demo.Pid, held?.PPid);
        Assert.Contains("<defunct>", line);
        demo.WaitForLine(l => l.Contains($"ps -o pid,ppid,stat,comm,cmd -p {child}"), TimeSpan.FromSeconds(10));

        Assert.Equal(0, demo.WaitForExit(TimeSpan.FromSeconds(30)));
        Assert.Contains(demo.Output, l => l.Contains($"waitpid({child}) returned {child}: the child exited with status 42"));
        Assert.Null(ProcFs.Read(child));
        Assert.Contains(demo.Output, l => l.Contains($"/proc/{child} no longer exists"));
    }

    [GeneratedRegex(@"child (\d+) has exited")]
    private static partial Regex ZombieChild();
}
