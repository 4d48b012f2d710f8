using System.Diagnostics;
using System.Text.RegularExpressions;
using ForkServer.Tests.Support;

namespace ForkServer.Tests;

/// <summary>
/// The README's command blocks, run as a newcomer would type them, with both executables on PATH as the README
/// says to put them. A block is checked when the line before it is a comment that says how:
/// <c>&lt;!-- test: serve --&gt;</c> starts it in the background and waits for its <c>listening on</c> line (it runs
/// until the test ends); <c>&lt;!-- test: run --&gt;</c> runs it to its end, which must be exit status 0 within a
/// minute, and <c>&lt;!-- test: run expect="TEXT" --&gt;</c> also wants TEXT in its output.
/// Blocks that build, test or run <c>dotnet</c> itself are what CI does anyway and carry no such comment.
/// </summary>
[Trait("Category", "Linux")]
public sealed partial class ReadmeTests
{
    public sealed record Block(int Line, string Mode, string? Expect, string Script)
    {
        public override string ToString() => $"README.md:{Line}";
    }

    public static IReadOnlyList<Block> Blocks()
    {
        var lines = File.ReadAllLines(Path.Combine(Binaries.RepoRoot, "README.md"));
        var blocks = new List<Block>();
        for (int i = 0; i < lines.Length; i++)
        {
            var tag = Tag().Match(lines[i]);
            if (!tag.Success)
            {
                continue;
            }
            int start = i + 1;
            while (start < lines.Length && lines[start].Length == 0)
            {
                start++;
            }
            int end = start;
            while (end < lines.Length && lines[end].StartsWith("    "))
            {
                end++;
            }
            string script = string.Join('\n', lines[start..end].Select(l => l.Length >= 4 ? l[4..] : l));
            blocks.Add(new Block(start + 1, tag.Groups["mode"].Value, tag.Groups["expect"].Success ? tag.Groups["expect"].Value : null, script));
        }
        return blocks;
    }

    [Fact]
    public void TheReadmeHasCheckedBlocks() => Assert.True(Blocks().Count >= 8, $"only {Blocks().Count} checked blocks in README.md");

    /// <summary>Every checked block in the README's order, the servers it starts alive for the blocks after them.</summary>
    [Fact]
    public void EveryCheckedBlockWorksAsWritten()
    {
        Assert.SkipUnless(File.Exists("/usr/bin/nc") || File.Exists("/bin/nc"), "needs nc (Debian: netcat-openbsd), as the README says");
        var servers = new List<ServerProcess>();
        var failures = new List<string>();
        try
        {
            foreach (var block in Blocks())
            {
                if (block.Mode == "serve")
                {
                    var server = ServerProcess.Launch("bash", ["-c", Environment(block.Script)]);
                    servers.Add(server);
                    try
                    {
                        server.WaitForLine(l => l.Contains("listening on"), TimeSpan.FromSeconds(60));
                    }
                    catch (Exception e) when (e is TimeoutException or InvalidOperationException)
                    {
                        failures.Add($"{block}: {e.Message}");
                    }
                    continue;
                }
                var run = RawRun.Of("bash", ["-c", Environment(block.Script)], "", TimeSpan.FromSeconds(60));
                if (run.ExitCode != 0 || (block.Expect is { } expect && !(run.Output + run.Errors).Contains(expect)))
                {
                    failures.Add($"{block}: exit {run.ExitCode}{(block.Expect is null ? "" : $", wanted \"{block.Expect}\"")}\n{block.Script}\n--- output ---\n{run.Output}{run.Errors}");
                }
            }
        }
        finally
        {
            foreach (var server in servers)
            {
                server.Dispose();
            }
        }
        Assert.True(failures.Count == 0, string.Join("\n\n", failures));
    }

    /// <summary>The block as a script: stop at the first failure, both executables on PATH as the README puts them.</summary>
    private static string Environment(string script)
    {
        string server = Path.GetDirectoryName(Binaries.Server)!;
        string client = Path.GetDirectoryName(Binaries.Client)!;
        return $"set -e\nexport PATH=\"{server}:{client}:$PATH\"\ncd \"{Binaries.RepoRoot}\"\n{script}";
    }

    [GeneratedRegex(@"^<!-- test: (?<mode>run|serve)(?: expect=""(?<expect>[^""]*)"")? -->$")]
    private static partial Regex Tag();
}
