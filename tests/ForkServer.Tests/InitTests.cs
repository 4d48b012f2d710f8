using System.Text.Json;
using ForkServer.Tests.Support;

namespace ForkServer.Tests;

/// <summary>
/// <c>forkserver init</c> side by side with the real tini (Debian's tini package): each scenario runs under both with
/// the same command, and asserts the same observable result: exit status, which signals the child saw, who reaped
/// what, what is left. The options beyond tini (--wait-all, --delay-signal, --rewrite) are tested on init alone.
/// </summary>
[Trait("Category", "Linux")]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class InitTests : IDisposable
{
    private const string Tini = "/usr/bin/tini";

    /// <summary>
    /// A child that writes into the file $1 its own SigBlk and SigIgn lines (read without a fork: a shell waiting for
    /// a child blocks signals), then every signal it traps; with $2, it starts another recorder for $2 in the
    /// background (its own child, in its group); then "ready". It runs until the file $1.stop exists (a minute at most).
    /// </summary>
    private const string Recorder = """
        #!/bin/sh
        out=$1
        while read -r key value; do case $key in SigBlk:|SigIgn:) echo "$key	$value" >> $out;; esac; done < /proc/$$/status
        for s in TERM INT HUP USR1 USR2 WINCH; do trap "echo $s >> $out" $s; done
        if [ -n "$2" ]; then "$0" "$2" & fi
        echo ready >> $out
        i=0
        while [ ! -e "$out.stop" ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done
        wait
        """;

    private const int SIGWINCH = 28;

    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private readonly string _dir = Directory.CreateTempSubdirectory("fs-init-").FullName;

    public static TheoryData<string> Inits => ["tini", "forkserver"];

    public void Dispose()
    {
        foreach (string file in Directory.GetFiles(_dir))
        {
            File.WriteAllText(file + ".stop", "");
        }
        Thread.Sleep(300);
        Directory.Delete(_dir, recursive: true);
    }

    /// <summary>The command line that runs COMMAND under <paramref name="init"/> with <paramref name="options"/>.</summary>
    private static string[] Under(string init, string[] options, params string[] command)
    {
        if (init == "tini")
        {
            Assert.SkipUnless(File.Exists(Tini), "tini is not installed (Debian package tini)");
            // tini hands on the dispositions it was started with: SIGHUP ignored under nohup, SIGINT and SIGQUIT when a
            // shell without job control started the tests in the background. A shell cannot trap nor die of a signal
            // ignored on entry, so start tini from SIG_DFL, as our init puts its command whatever it was started with.
            return ["/usr/bin/env", "--default-signal", Tini, .. options, "--", .. command];
        }
        return [Binaries.ServerFor(init == "forkserver-aot" ? Build.Aot : Build.Jit), "init", .. options, "--", .. command];
    }

    private static ServerProcess Launch(string[] command) => ServerProcess.Launch(command[0], command[1..]);

    private string RecorderScript()
    {
        string path = Path.Combine(_dir, "recorder.sh");
        if (!File.Exists(path))
        {
            File.WriteAllText(path, Recorder.ReplaceLineEndings("\n") + "\n");
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        return path;
    }

    private static string CommandLine(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline").TrimEnd('\0').Replace('\0', ' ');
        }
        catch (IOException)
        {
            return "";
        }
    }

    private static List<string> Lines(string file) => File.Exists(file) ? [.. File.ReadAllLines(file)] : [];

    private static void WaitForLine(string file, string line, ServerProcess init) =>
        Assert.True(Wait.Until(() => Lines(file).Contains(line), Patience), $"{file} has no line '{line}': [{string.Join(", ", Lines(file))}]\n{init.Transcript()}");

    [Theory]
    [InlineData("tini", new string[0], "exit 0", 0)]
    [InlineData("forkserver", new string[0], "exit 0", 0)]
    [InlineData("tini", new string[0], "exit 3", 3)]
    [InlineData("forkserver", new string[0], "exit 3", 3)]
    [InlineData("tini", new string[0], "kill -KILL $$", 137)]
    [InlineData("forkserver", new string[0], "kill -KILL $$", 137)]
    [InlineData("tini", new[] { "-e", "143" }, "kill -TERM $$", 0)]
    [InlineData("forkserver", new[] { "-e", "143" }, "kill -TERM $$", 0)]
    [InlineData("tini", new[] { "-e", "143" }, "kill -INT $$", 130)]
    [InlineData("forkserver", new[] { "-e", "143" }, "kill -INT $$", 130)]
    [InlineData("forkserver-aot", new[] { "-e", "143" }, "kill -INT $$", 130)]
    public void ExitsWithTheCommandsStatus(string init, string[] options, string script, int expected)
    {
        string[] command = Under(init, ["-s", .. options], "sh", "-c", script);
        var run = ProgramRun.Of(command[0], command[1..]);
        Assert.True(expected == run.ExitCode, run.Transcript());
    }

    [Theory]
    [MemberData(nameof(Inits))]
    [InlineData("forkserver-aot")]
    public void EverySignalToInitReachesTheChild(string init)
    {
        string file = Path.Combine(_dir, "child");
        using var process = Launch(Under(init, ["-s"], RecorderScript(), file));
        WaitForLine(file, "ready", process);
        if (init != "tini")
        {
            // Every thread of init blocks what it forwards, or the kernel could hand a signal to a runtime thread instead.
            const ulong forwarded = 1UL << (ProcFs.SIGTERM - 1) | 1UL << (ProcFs.SIGINT - 1) | 1UL << (ProcFs.SIGHUP - 1) | 1UL << (ProcFs.SIGUSR1 - 1) | 1UL << (SIGWINCH - 1);
            Assert.All(ProcFs.ThreadsOf(process.Pid), t => Assert.Equal(forwarded, ProcFs.BlockedSignals(process.Pid, t.Tid) & forwarded));
        }
        foreach (var (name, number) in new[] { ("TERM", ProcFs.SIGTERM), ("INT", ProcFs.SIGINT), ("HUP", ProcFs.SIGHUP), ("USR1", ProcFs.SIGUSR1), ("WINCH", SIGWINCH) })
        {
            process.Signal(number);
            WaitForLine(file, name, process);
        }
        File.WriteAllText(file + ".stop", "");
        Assert.Equal(0, process.WaitForExit(Patience));
        Assert.Equal(["TERM", "INT", "HUP", "USR1", "WINCH"], Lines(file).Where(l => l is "TERM" or "INT" or "HUP" or "USR1" or "USR2" or "WINCH"));
        if (init != "tini")
        {
            // COMMAND starts as from a shell: nothing blocked, nothing ignored, though init blocks its signals from exec.
            Assert.Contains("SigBlk:\t0000000000000000", Lines(file));
            Assert.Contains("SigIgn:\t0000000000000000", Lines(file));
        }
    }

    [Theory]
    [MemberData(nameof(Inits))]
    public void WithProcessGroupTheChildsChildrenGetTheSignalToo(string init)
    {
        string child = Path.Combine(_dir, "child");
        string grandchild = Path.Combine(_dir, "grandchild");
        using var process = Launch(Under(init, ["-s", "-g"], RecorderScript(), child, grandchild));
        WaitForLine(child, "ready", process);
        WaitForLine(grandchild, "ready", process);
        process.Signal(ProcFs.SIGTERM);
        WaitForLine(child, "TERM", process);
        WaitForLine(grandchild, "TERM", process);
        File.WriteAllText(grandchild + ".stop", "");
        File.WriteAllText(child + ".stop", "");
        Assert.Equal(0, process.WaitForExit(Patience));
    }

    [Theory]
    [MemberData(nameof(Inits))]
    public void AsPid1AnOrphanThatDiesIsReapedAndNoZombieStays(string init)
    {
        PidNamespace.SkipUnlessPermitted();
        string stop = Path.Combine(_dir, "command.stop");
        string script = $"sh -c 'sleep 0.3 & exit 0'; i=0; while [ ! -e {stop} ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done";
        using var wrapper = Launch([.. PidNamespace.Unshare, .. Under(init, ["-w"], "sh", "-c", script)]);
        // Both say so on standard error: tini "Reaped zombie process with pid=N", init "reaped zombie process N".
        wrapper.WaitForLine(l => l.Contains("eaped zombie process", StringComparison.Ordinal), Patience);
        int pid1 = ProcFs.ChildrenOf(wrapper.Pid).Single().Pid;
        Assert.Equal(1, ProcFs.NamespacePid(pid1));
        Assert.Equal(0, ProcFs.ZombieChildren(pid1));
        File.WriteAllText(stop, "");
        Assert.Equal(0, wrapper.WaitForExit(Patience));
    }

    [Theory]
    [MemberData(nameof(Inits))]
    public void AsPid1OrphansLeftBehindDoNotOutliveInit(string init)
    {
        PidNamespace.SkipUnlessPermitted();
        using var wrapper = Launch([.. PidNamespace.Unshare, .. Under(init, [], "sh", "-c", "sleep 1.01 & sleep 2.02 & exit 0")]);
        Assert.Equal(0, wrapper.WaitForExit(Patience));
        // PID 1 gone, the kernel killed the rest of its namespace: no sleep of it is left, as zombie or otherwise.
        Assert.True(Wait.Until(() => !ProcFs.All().Any(p => CommandLine(p.Pid) is "sleep 1.01" or "sleep 2.02"), Patience));
    }

    [Fact]
    public void WithWaitAllAsPid1InitWaitsForTheOrphansAndReapsThem()
    {
        PidNamespace.SkipUnlessPermitted();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        using var wrapper = Launch([.. PidNamespace.Unshare, .. Under("forkserver", ["--wait-all", "--grace", "20", "-v", "--log", "json"], "sh", "-c", "sleep 1 & sleep 2 & exit 0")]);
        Assert.Equal(0, wrapper.WaitForExit(Patience));
        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(2), $"init left after {clock.Elapsed}, before its orphans ended");
        var orphans = wrapper.Events("reaped").Where(e => e.TryGetProperty("orphan", out _)).ToList();
        Assert.True(orphans.Count == 2, wrapper.Transcript());
        Assert.All(orphans, e => Assert.Equal("exited with status 0", e.GetProperty("status").GetString()));
        Assert.Single(wrapper.Events("waiting"));
        Assert.Empty(wrapper.Events("terminating"));
    }

    [Fact]
    public void WithWaitAllOrphansGetSigtermAfterTheGraceThenSigkill()
    {
        PidNamespace.SkipUnlessPermitted();
        // One orphan ends on SIGTERM; one is stopped, and would keep SIGTERM pending till SIGKILL if init did not
        // continue it (SIGCONT), as systemd does; the last ignores SIGTERM, and only SIGKILL ends it.
        using var wrapper = Launch([.. PidNamespace.Unshare, .. Under("forkserver", ["--wait-all", "--grace", "1", "-v", "--log", "json"],
            "sh", "-c", "sleep 60 & sleep 60 & kill -STOP $!; (trap '' TERM; exec sleep 60) & exit 0")]);
        Assert.Equal(0, wrapper.WaitForExit(Patience));
        var statuses = wrapper.Events("reaped").Where(e => e.TryGetProperty("orphan", out _)).Select(e => e.GetProperty("status").GetString()).Order().ToList();
        Assert.True(statuses is ["killed by SIGKILL", "killed by SIGTERM", "killed by SIGTERM"], wrapper.Transcript());
        Assert.Single(wrapper.Events("terminating"));
        Assert.Single(wrapper.Events("killing"));
    }

    [Fact]
    public void WithWaitAllASigtermToInitCutsTheWaitShort()
    {
        PidNamespace.SkipUnlessPermitted();
        using var wrapper = Launch([.. PidNamespace.Unshare, .. Under("forkserver", ["--wait-all", "--grace", "25", "-v", "--log", "json"], "sh", "-c", "sleep 60 & exit 0")]);
        wrapper.WaitForLine(l => l.Contains("\"waiting\"", StringComparison.Ordinal), Patience);
        ProcFs.Kill(ProcFs.ChildrenOf(wrapper.Pid).Single().Pid, ProcFs.SIGTERM);
        Assert.Equal(0, wrapper.WaitForExit(Patience));
        Assert.Single(wrapper.Events("hurried"));
        Assert.Single(wrapper.Events("terminating"));
        var orphan = wrapper.Events("reaped").Single(e => e.TryGetProperty("orphan", out _));
        Assert.Equal("killed by SIGTERM", orphan.GetProperty("status").GetString());
    }

    [Theory]
    [MemberData(nameof(Inits))]
    public void NotPid1NorSubreaperInitWarnsAndOrphansGoElsewhere(string init)
    {
        string recorded = Path.Combine(_dir, "orphan");
        string stop = Path.Combine(_dir, "command.stop");
        string script = $"sh -c 'sleep 30 & echo $! $$ > {recorded}'; i=0; while [ ! -e {stop} ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done";
        foreach (bool subreaper in new[] { true, false })
        {
            File.Delete(recorded);
            File.Delete(stop);
            using var process = Launch(Under(init, subreaper ? ["-s"] : [], "sh", "-c", script));
            Assert.True(Wait.Until(() => Lines(recorded).Count == 1, Patience), process.Transcript());
            int orphan = int.Parse(Lines(recorded)[0].Split(' ')[0]);
            int itsParent = int.Parse(Lines(recorded)[0].Split(' ')[1]);
            Assert.True(Wait.Until(() => ProcFs.Read(orphan)?.PPid is { } parent && parent != itsParent, Patience));
            // The negative control, as tini's own tests make it: without -s the orphan is not init's to reap.
            Assert.Equal(subreaper, ProcFs.Read(orphan)?.PPid == process.Pid);
            ProcFs.Kill(orphan, ProcFs.SIGKILL);
            File.WriteAllText(stop, "");
            Assert.Equal(0, process.WaitForExit(Patience));
            string warning = init == "tini" ? "Tini is not running as PID 1 and isn't registered as a child subreaper" : "not running as PID 1 and not a subreaper";
            Assert.Equal(!subreaper, process.Errors.Any(l => l.Contains(warning, StringComparison.Ordinal)));
        }
    }

    [Theory]
    [MemberData(nameof(Inits))]
    public void WithParentDeathSignalKillingInitsParentEndsTheCommand(string init)
    {
        // sh is init's parent here; init runs COMMAND, a sleep.
        using var parent = Launch(["sh", "-c", "\"$@\" & wait", "sh", .. Under(init, ["-s", "-p", "SIGTERM"], "sleep", "60")]);
        int initPid = 0, command = 0;
        Assert.True(Wait.Until(() =>
        {
            initPid = ProcFs.ChildrenOf(parent.Pid).FirstOrDefault().Pid;
            command = initPid == 0 ? 0 : ProcFs.ChildrenOf(initPid).FirstOrDefault(c => c.Comm == "sleep").Pid;
            return command != 0;
        }, Patience), parent.Transcript());
        ProcFs.Kill(parent.Pid, ProcFs.SIGKILL);
        Assert.True(Wait.Until(() => !ProcFs.IsAlive(command) && !ProcFs.IsAlive(initPid), Patience),
            $"COMMAND {command} alive: {ProcFs.IsAlive(command)}, init {initPid} alive: {ProcFs.IsAlive(initPid)}");
    }

    [Fact]
    public void DelaySignalForwardsSigtermLate()
    {
        string file = Path.Combine(_dir, "child");
        using var process = Launch(Under("forkserver", ["-s", "-v", "--log", "json", "--delay-signal", "SIGTERM:1.5"], RecorderScript(), file));
        WaitForLine(file, "ready", process);
        process.Signal(ProcFs.SIGTERM);
        WaitForLine(file, "TERM", process);
        // The child can record the signal before the line that says it was forwarded reaches us.
        Assert.True(Wait.Until(() => process.Events("forwarded").Count == 1, Patience), process.Transcript());
        var delayed = process.Events("signal-delayed").Single();
        var forwarded = process.Events("forwarded").Single();
        Assert.True(forwarded.GetProperty("time").GetDateTimeOffset() - delayed.GetProperty("time").GetDateTimeOffset() >= TimeSpan.FromSeconds(1.4), process.Transcript());
        File.WriteAllText(file + ".stop", "");
        Assert.Equal(0, process.WaitForExit(Patience));
    }

    [Fact]
    public void RewriteForwardsAnotherSignalOrNone()
    {
        string file = Path.Combine(_dir, "child");
        using var process = Launch(Under("forkserver", ["-s", "--rewrite", "TERM:USR1", "--rewrite", "HUP:0"], RecorderScript(), file));
        WaitForLine(file, "ready", process);
        process.Signal(ProcFs.SIGHUP);
        process.Signal(ProcFs.SIGTERM);
        WaitForLine(file, "USR1", process);
        process.Signal(ProcFs.SIGUSR2);
        WaitForLine(file, "USR2", process);
        // Signals are forwarded in the order they are taken, and HUP was taken with or before TERM: it would be there.
        Assert.DoesNotContain("HUP", Lines(file));
        Assert.DoesNotContain("TERM", Lines(file));
        File.WriteAllText(file + ".stop", "");
        Assert.Equal(0, process.WaitForExit(Patience));
    }

    [Theory]
    [MemberData(nameof(Inits))]
    public void AnExecThatFailsInTheChildExits127(string init)
    {
        // Found and executable at start, but its interpreter is not there: execve fails in the child with ENOENT.
        string script = Path.Combine(_dir, "bad-interpreter");
        File.WriteAllText(script, "#!/no/such/interpreter\n");
        File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserExecute);
        string[] command = Under(init, ["-s"], script);
        using var process = Launch(["/usr/bin/env", "FORKSERVER_REPORT_CHILD_ALLOCATIONS=1", .. command]);
        Assert.Equal(127, process.WaitForExit(Patience));
        if (init != "tini")
        {
            // The child's path from fork to _exit allocated nothing (a forked child of the JIT must not).
            Assert.Contains(process.Errors, l => l.StartsWith("child-allocations ", StringComparison.Ordinal) && l.EndsWith(" 0", StringComparison.Ordinal));
        }
    }

    [Fact]
    public void AServerUnderInitIsAServerForPsAndStopsOnSigtermToInit()
    {
        using var init = Launch(Under("forkserver", ["-s"], Binaries.Server, "serve", "--port", "0"));
        init.WaitForLine(l => l.Contains("listening on", StringComparison.Ordinal), Patience);
        int server = ProcFs.ChildrenOf(init.Pid).Single().Pid;
        var ps = ProgramRun.Of(Binaries.Server, ["ps", "--pid", server.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        Assert.True(ps.ExitCode == 0 && ps.Output.Any(l => l.StartsWith($"server {server}:", StringComparison.Ordinal)), ps.Transcript());
        // docker stop's SIGTERM to PID 1 reaches the server, which stops as it does for a SIGTERM of its own.
        init.Signal(ProcFs.SIGTERM);
        Assert.Equal(0, init.WaitForExit(Patience));
        Assert.Contains(init.Output, l => l.Contains("stopped: served 0 clients", StringComparison.Ordinal));
    }

    [Fact]
    public void ArgumentsAfterTheDoubleDashReachTheCommandUntouched()
    {
        var run = ProgramRun.Of(Binaries.Server, ["init", "-s", "--", "printf", "%s|", "@file", "--verbose", "-p", "--", "x"]);
        Assert.Equal(0, run.ExitCode);
        Assert.Equal("@file|--verbose|-p|--|x|", string.Join("", run.Output));
    }

    [Theory]
    [InlineData("-p", "SIGNOPE", "--", "true")]
    [InlineData("-e", "256", "--", "true")]
    [InlineData("--delay-signal", "SIGTERM", "--", "true")]
    [InlineData("--delay-signal", "SIGKILL:1", "--", "true")]
    [InlineData("--rewrite", "SIGTERM:NOPE", "--", "true")]
    [InlineData("--grace", "-1", "--", "true")]
    [InlineData("--log", "xml", "--", "true")]
    [InlineData("--", "no-such-command-here")]
    [InlineData("--", "/etc/passwd")]
    [InlineData("-s")]
    public void BadInputIsOneLineAndExit2(params string[] args)
    {
        var run = ProgramRun.Of(Binaries.Server, ["init", .. args]);
        Assert.True(run.ExitCode == 2, run.Transcript());
        Assert.Single(run.Errors);
        Assert.Empty(run.Output);
    }

    [Fact]
    public void JsonLogSaysWhatInitDid()
    {
        var run = ProgramRun.Of(Binaries.Server, ["init", "-s", "-v", "--log", "json", "--", "sh", "-c", "exit 5"]);
        Assert.Equal(5, run.ExitCode);
        var events = run.Output.Select(l => JsonDocument.Parse(l).RootElement.GetProperty("event").GetString()).ToList();
        Assert.Equal(["subreaper", "started", "reaped", "exiting"], events);
    }
}
