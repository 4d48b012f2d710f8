using System.Text.RegularExpressions;
using ForkServer.Tests.Support;

namespace ForkServer.Tests;

/// <summary><c>forkserver demo exec</c>: what it prints about the child before and after execve is what /proc shows.</summary>
[Trait("Category", "Linux")]
public sealed partial class ExecDemoTests
{
    [Fact]
    public void TheChildKeepsItsPidAndBecomesSleepAndAFailedExecExits127()
    {
        using var demo = ServerProcess.Launch(Binaries.Server, ["demo", "exec", "--hold", "3"]);
        var before = Child().Match(demo.WaitForLine(l => l.Contains(" before execve:"), TimeSpan.FromSeconds(30)));
        string after = demo.WaitForLine(l => l.Contains(" after execve:"), TimeSpan.FromSeconds(30));
        var now = Child().Match(after);
        int pid = int.Parse(now.Groups["pid"].Value);
        Assert.Equal(before.Groups["pid"].Value, now.Groups["pid"].Value);
        Assert.EndsWith("/forkserver", before.Groups["exe"].Value);
        Assert.Equal("fs-demo-exec", before.Groups["comm"].Value);

        // While the program runs: /proc says what the demo printed.
        Assert.Equal(now.Groups["exe"].Value, new FileInfo($"/proc/{pid}/exe").LinkTarget);
        Assert.EndsWith("/sleep", now.Groups["exe"].Value);
        Assert.Equal("sleep", ProcFs.Read(pid)?.Comm);
        Assert.Equal(demo.Pid, ProcFs.Read(pid)?.PPid);

        Assert.Equal(0, demo.WaitForExit(TimeSpan.FromSeconds(30)));
        Assert.Contains(demo.Output, l => l.Contains($"waitpid({pid}): the child exited with status 0"));
        Assert.Contains(demo.Output, l => l.Contains("waitpid says it exited with status 127"));
    }

    [GeneratedRegex(@"child (?<pid>\d+) runs exe (?<exe>\S+), comm (?<comm>\S+),")]
    private static partial Regex Child();
}
