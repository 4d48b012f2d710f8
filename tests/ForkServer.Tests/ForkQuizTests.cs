using System.Text.RegularExpressions;
using ForkServer.Tests.Support;

namespace ForkServer.Tests;

/// <summary><c>forkserver quiz fork --seed N --solve</c>: one seed, one tree; the tree it prints is the one /proc shows.</summary>
[Trait("Category", "Linux")]
public sealed partial class ForkQuizTests
{
    private static readonly string[] Quiz = ["quiz", "fork", "--seed", "1", "--actions", "12", "--solve"];

    [Fact]
    public void TheSameSeedGivesTheSameTreeTwiceAndItIsTheTreeInProc()
    {
        using var first = ServerProcess.Launch(Binaries.Server, [.. Quiz, "--hold", "5"]);
        first.WaitForLine(l => l.StartsWith("holding", StringComparison.Ordinal), TimeSpan.FromSeconds(60));
        var printed = ProcTree(first.Output.ToList());
        Assert.True(printed.Count > 3, string.Join('\n', first.Output));
        // Every process it printed is where /proc says, under the parent it printed.
        Assert.Equal(("a", first.Pid), (printed[0].Letter, printed[0].Pid));
        foreach (var (letter, pid, _, parentPid) in printed.Skip(1))
        {
            var stat = ProcFs.Read(pid);
            Assert.Equal($"fs-quiz-{letter}", stat?.Comm);
            Assert.Equal(parentPid, stat?.PPid);
        }
        Assert.Equal(printed.Count, 1 + ProcFs.Descendants(first.Pid).Count);
        Assert.Equal(0, first.WaitForExit(TimeSpan.FromSeconds(30)));
        Assert.Contains("It matches the answer.", first.Output);

        var second = ProgramRun.Of(Binaries.Server, Quiz);
        Assert.Equal(0, second.ExitCode);
        Assert.Equal(Letters(first.Output.ToList()), Letters(second.Output));
        Assert.Equal(Section(first.Output.ToList(), "Answer:"), Section(second.Output, "Answer:"));
    }

    /// <summary>
    /// During the hold, a quiz process the user kills is reaped by its parent, a or another quiz process: no zombie
    /// stays; the others go on.
    /// </summary>
    [Fact]
    public void AProcessKilledDuringTheHoldIsReapedByItsParent()
    {
        using var quiz = ServerProcess.Launch(Binaries.Server, [.. Held, "--hold", "60"]);
        quiz.WaitForLine(l => l.StartsWith("holding", StringComparison.Ordinal), TimeSpan.FromSeconds(60));
        var tree = ProcTree(quiz.Output.ToList());
        // Leaves, so that no orphan moves: one under a, one under another quiz process.
        var leaves = tree.Where(n => tree.All(m => m.ParentLetter != n.Letter)).ToList();
        var underA = leaves.First(n => n.ParentLetter == "a");
        var underOther = leaves.First(n => n.ParentLetter is not ("a" or ""));

        ProcFs.Kill(underA.Pid, ProcFs.SIGTERM);
        ProcFs.Kill(underOther.Pid, ProcFs.SIGTERM);
        Assert.True(Wait.Until(() => ProcFs.Read(underA.Pid) is null && ProcFs.Read(underOther.Pid) is null, TimeSpan.FromSeconds(10)),
            $"{ProcFs.Read(underA.Pid)} {ProcFs.Read(underOther.Pid)}");
        Assert.All(tree.Where(n => n != underA && n != underOther), n => Assert.True(ProcFs.IsAlive(n.Pid), $"{n.Letter} ({n.Pid})"));
    }

    /// <summary>When a, the first process, dies of any signal, every quiz process goes with it, hold or not.</summary>
    [Theory]
    [InlineData(ProcFs.SIGTERM)]
    [InlineData(ProcFs.SIGKILL)]
    public void TheWholeTreeGoesWithTheFirstProcess(int signal)
    {
        using var quiz = ServerProcess.Launch(Binaries.Server, [.. Held, "--hold", "60"]);
        quiz.WaitForLine(l => l.StartsWith("holding", StringComparison.Ordinal), TimeSpan.FromSeconds(60));
        var tree = ProcTree(quiz.Output.ToList()).Skip(1).Select(n => n.Pid).ToList();
        Assert.NotEmpty(tree);
        // a goes by its letter in ps, as the others do.
        Assert.Equal("fs-quiz-a", ProcFs.Read(quiz.Pid)?.Comm);

        quiz.Signal(signal);
        // Not WaitForExit, which would wait for the end of its output too: any process left holds it open.
        Assert.True(Wait.Until(() => quiz.HasExited, TimeSpan.FromSeconds(10)));
        Assert.Equal(128 + signal, quiz.ExitCode);
        Assert.True(Wait.Until(() => tree.All(pid => ProcFs.Read(pid) is not { } stat || !stat.Comm.StartsWith("fs-quiz-", StringComparison.Ordinal)), TimeSpan.FromSeconds(10)),
            string.Join('\n', tree.Select(pid => ProcFs.Read(pid).ToString())));
    }

    /// <summary>A quiz whose tree, after the hold's start, has processes under a and under another letter.</summary>
    private static readonly string[] Held = ["quiz", "fork", "--seed", "5", "--actions", "8", "--solve"];

    /// <summary>The printed /proc tree as (letter, pid, parent's letter, parent's pid); a is listed with parent 0.</summary>
    private static List<(string Letter, int Pid, string ParentLetter, int ParentPid)> ProcTree(List<string> output)
    {
        var nodes = new List<(string, int, string, int)>();
        var path = new List<(string Letter, int Pid)>();
        foreach (string line in Section(output, "/proc shows"))
        {
            var node = Node().Match(line);
            int depth = node.Groups["letter"].Index / 4;
            path.RemoveRange(depth, path.Count - depth);
            var parent = depth > 0 ? path[^1] : ("", 0);
            nodes.Add((node.Groups["letter"].Value, int.Parse(node.Groups["pid"].Value), parent.Item1, parent.Item2));
            path.Add((node.Groups["letter"].Value, int.Parse(node.Groups["pid"].Value)));
        }
        return nodes;
    }

    private static List<string> Letters(List<string> output) => [.. Section(output, "/proc shows").Select(l => Pid().Replace(l, ""))];

    private static List<string> Section(List<string> output, string heading) =>
        [.. output.SkipWhile(l => !l.StartsWith(heading, StringComparison.Ordinal)).Skip(1).TakeWhile(l => Node().IsMatch(l))];

    [GeneratedRegex(@"^[│├└─ ]*(?<letter>[a-z])(?: \((?<pid>\d+)\))?$")]
    private static partial Regex Node();

    [GeneratedRegex(@" \(\d+\)")]
    private static partial Regex Pid();
}
