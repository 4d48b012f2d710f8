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
