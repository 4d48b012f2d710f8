using ForkServer.Tests.Support;

namespace ForkServer.Tests;

/// <summary><c>forkserver ps</c>: a running server's children as /proc shows them, with each one's client.</summary>
[Trait("Category", "Linux")]
public sealed class PsCommandTests
{
    public static TheoryData<Build> Builds => [Build.Jit, Build.Aot];

    [Theory]
    [MemberData(nameof(Builds))]
    public void PipedItPrintsOneSnapshotWithStateAgeClientAndTheZombie(Build build)
    {
        using var server = ServerProcess.Start(build, "--reap", "none", "--log", "json");
        int finished;
        using (var done = new TcpClientSession(server.Port))
        {
            Assert.Equal("you send:a", done.Exchange("a", "you send:a"));
            finished = ChildOf(server, done.LocalAddress);
            done.Send("q");
            Assert.True(done.ServerClosed());
        }
        using var open = new TcpClientSession(server.Port);
        Assert.Equal("you send:b", open.Exchange("b", "you send:b"));
        int serving = ChildOf(server, open.LocalAddress);
        Assert.True(Wait.Until(() => ProcFs.Read(finished)?.State == 'Z', TimeSpan.FromSeconds(10)));

        using var ps = ServerProcess.Launch(Binaries.ServerFor(build), ["ps", "--pid", server.Pid.ToString()]);
        Assert.Equal(0, ps.WaitForExit(TimeSpan.FromSeconds(30)));
        var lines = ps.Output.ToList();
        Assert.Contains(lines, l => l.StartsWith($"server {server.Pid}:"));
        Assert.Contains("2 children, 1 zombies", lines[1]);
        string zombie = Assert.Single(lines, l => l.TrimStart().StartsWith($"{finished} "));
        Assert.Contains("Z (zombie)", zombie);
        Assert.Contains("<defunct>", zombie);
        string live = Assert.Single(lines, l => l.TrimStart().StartsWith($"{serving} "));
        Assert.Contains("S (sleeping)", live);
        Assert.EndsWith(open.LocalAddress, live);
        Assert.DoesNotContain(lines, l => l.Contains('\e'));
    }

    [Fact]
    public void AServerThatIsNotRunningIsOneLineAndExitCode2()
    {
        using var ps = ServerProcess.Launch(Binaries.Server, ["ps", "--pid", "999999999"]);
        Assert.Equal(2, ps.WaitForExit(TimeSpan.FromSeconds(30)));
        Assert.Equal("forkserver ps: no process 999999999 is running", Assert.Single(ps.Errors, l => l.Length > 0));
    }

    [Fact]
    public void WithoutPidItFindsTheOneServerAndNotADemo()
    {
        PidNamespace.SkipUnlessPermitted();
        // Alone in a PID namespace, beside a demo that is also named forkserver.
        const string script = """
            "$0" demo zombie --hold 20 >/dev/null & demo=$!
            "$0" serve --port 0 --quiet >/dev/null & server=$!
            sleep 1
            "$0" ps; status=$?
            kill $demo $server; wait
            exit $status
            """;
        using var run = ServerProcess.Launch(PidNamespace.Unshare[0], [.. PidNamespace.Unshare[1..], "sh", "-c", script, Binaries.Server]);
        Assert.Equal(0, run.WaitForExit(TimeSpan.FromSeconds(60)));
        Assert.Matches(@"^server \d+: \S+/forkserver serve --port 0 --quiet$", run.Output.First());
    }

    private static int ChildOf(ServerProcess server, string peer)
    {
        Assert.True(Wait.Until(() => server.Events("forked").Any(e => e.GetProperty("peer").GetString() == peer), TimeSpan.FromSeconds(10)));
        // The newest: the kernel may give an earlier client's port out again.
        return server.Events("forked").Last(e => e.GetProperty("peer").GetString() == peer).GetProperty("child").GetInt32();
    }
}
