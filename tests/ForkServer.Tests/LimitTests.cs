using System.Collections.Concurrent;
using System.Diagnostics;
using ForkServer.Tests.Support;

namespace ForkServer.Tests;

/// <summary>
/// Floods and exhausted resources: the child limit, a burst of short connections, fork() and accept() failing for
/// real under process and descriptor limits. After each, the server must serve a fresh client normally.
/// </summary>
[Trait("Category", "Linux")]
[Trait("Category", "Reliability")]
public sealed class LimitTests
{
    [Fact]
    public async Task AThousandIdleClientsNeverMakeMoreThanTheLimitOfChildren()
    {
        using var server = ServerProcess.Start("--max-children", "256", "--quiet");
        int peak = 0;
        using var done = new CancellationTokenSource();
        var sampler = Task.Run(() =>
        {
            while (!done.IsCancellationRequested)
            {
                peak = Math.Max(peak, ProcFs.ChildrenOf(server.Pid).Count);
                Thread.Sleep(10);
            }
        }, TestContext.Current.CancellationToken);

        var clients = new List<TcpClientSession>();
        try
        {
            for (int i = 0; i < 1000; i++)
            {
                clients.Add(new TcpClientSession(server.Port));
            }
            Assert.True(Wait.Until(() => ProcFs.ChildrenOf(server.Pid).Count == 256, TimeSpan.FromSeconds(30)),
                $"expected 256 children while 1000 clients wait, saw {ProcFs.ChildrenOf(server.Pid).Count}");
            Thread.Sleep(1000);
            Assert.Equal(256, ProcFs.ChildrenOf(server.Pid).Count);
            server.WaitForLine(l => l.Contains("the limit (--max-children 256)"), TimeSpan.FromSeconds(5));

            // In order: as each holder leaves, its child exits and one waiting client is accepted.
            int served = 0;
            foreach (var client in clients)
            {
                Assert.Equal("you send:hi", client.Exchange("hi", "you send:hi"));
                client.Send("q");
                Assert.True(client.ServerClosed());
                served++;
            }
            Assert.Equal(1000, served);
            Assert.True(Wait.Until(() => ProcFs.ChildrenOf(server.Pid).Count == 0, TimeSpan.FromSeconds(10)));
            done.Cancel();
            await sampler;
            Assert.InRange(peak, 1, 256);
            Assert.Single(server.Errors, l => l.Contains("the limit (--max-children 256)"));
            Figures.Record("max-children", "1000 idle clients, --max-children 256",
                new Dictionary<string, object> { ["clients"] = 1000, ["served"] = served, ["peak_children"] = peak, ["limit_logged"] = server.Errors.Count(l => l.Contains("the limit (--max-children 256)")) });
        }
        finally
        {
            done.Cancel();
            clients.ForEach(c => c.Dispose());
        }
    }

    [Fact]
    public void TenThousandShortConnectionsLeaveNothingBehind()
    {
        // This burst found a bug: a few children in 10 000 hung for ever. Each one had built an interface-dispatch
        // stub of its own and waited for a runtime lock the parent's finalizer thread held at the moment of fork.
        // The warm-up now runs the session twice, so children make no code (ForkModelTests.ForkedChildrenOfTheJitBuildMakeNoCode).
        using var server = ServerProcess.Start("--quiet");
        int baseline = ProcFs.OpenFileDescriptors(server.Pid);
        var clock = Stopwatch.StartNew();
        // The load is forkclient bench, a process of its own that checks every reply byte for byte.
        var (exitCode, result) = BenchCommandTests.Bench(server.Port, "--connections", "10000", "--concurrency", "64", "--timeout", "30");
        double seconds = clock.Elapsed.TotalSeconds;
        Thread.Sleep(1000);
        int zombies = ProcFs.ZombieChildren(server.Pid);
        int children = ProcFs.ChildrenOf(server.Pid).Count;
        int descriptors = ProcFs.OpenFileDescriptors(server.Pid);
        int errors = result.GetProperty("errors").GetInt32();
        Figures.Record("burst", "10 000 short connections, 64 at a time (forkclient bench)",
            new Dictionary<string, object>
            {
                ["clients"] = 10_000, ["ok"] = result.GetProperty("ok").GetInt32(), ["errors"] = errors, ["zombies_1s_after"] = zombies,
                ["children_1s_after"] = children, ["descriptors_before"] = baseline, ["descriptors_after"] = descriptors,
                ["seconds"] = Math.Round(seconds, 1),
            });
        Assert.Equal(0, errors);
        Assert.Equal(10_000, result.GetProperty("ok").GetInt32());
        Assert.Equal(0, exitCode);
        Assert.Equal(0, zombies);
        Assert.Equal(0, children);
        Assert.Equal(baseline, descriptors);
        BadInputTests.AssertStillServes(server);
    }

    /// <summary>
    /// The thread model meets the same limit in pthread_create, which .NET reports as "insufficient memory": the line
    /// names the limit instead.
    /// </summary>
    [Theory]
    [InlineData("fork", "fork failed: EAGAIN")]
    [InlineData("thread", "cannot start a thread: pthread_create failed: the limit on processes and threads (ulimit -u) or memory")]
    public void AChildOrThreadThatCannotStartUnderAProcessLimitTellsClientsBusyAndRecovers(string model, string error)
    {
        // RLIMIT_NPROC does not bind root, so the server runs as nobody, with a limit its own threads already fill.
        Assert.SkipUnless(ProcFs.IsRoot && File.Exists("/usr/bin/setpriv") && File.Exists("/usr/bin/prlimit"),
            "needs root, setpriv and prlimit (util-linux) to run the server as nobody under a process limit");
        using var server = ServerProcess.StartUnder(
            ["/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"], Build.Jit, "--log", "json", "--model", model);
        SetSoftLimit(server.Pid, "nproc", "1");

        long cpuBefore = ProcFs.CpuTicks(server.Pid);
        for (int i = 0; i < 20; i++)
        {
            using var client = new TcpClientSession(server.Port);
            Assert.Equal("server busy, try again later\n", System.Text.Encoding.UTF8.GetString(client.ReceiveToEnd()));
        }
        Thread.Sleep(2000);
        long cpuTicks = ProcFs.CpuTicks(server.Pid) - cpuBefore;
        Assert.Contains(server.Errors, l => l.Contains(error));
        Assert.Empty(ProcFs.ChildrenOf(server.Pid));

        SetSoftLimit(server.Pid, "nproc", null);
        BadInputTests.AssertStillServes(server);
        // Spinning for the 2 s of waiting would cost about 200 ticks; refusing 20 clients costs a few.
        Assert.InRange(cpuTicks, 0, 60);
        Figures.Record($"{model}-fails", model == "fork" ? "fork() fails with EAGAIN under RLIMIT_NPROC" : "pthread_create() fails with EAGAIN under RLIMIT_NPROC (thread model)",
            new Dictionary<string, object> { ["clients_refused_busy"] = 20, ["cpu_ticks_over_2s"] = cpuTicks, ["served_after_lift"] = 1 });
    }

    [Theory]
    [InlineData("fork")]
    [InlineData("prefork")]
    [InlineData("spawn")]
    [InlineData("thread")]
    [InlineData("select")]
    public void AcceptOutOfDescriptorsBacksOffWithoutSpinningAndRecovers(string model)
    {
        Assert.SkipUnless(ProcFs.IsRoot && File.Exists("/usr/bin/prlimit"),
            "needs root and prlimit (util-linux) to lower and raise a running server's descriptor limit");
        using var server = ServerProcess.Start(model == "spawn" ? Build.Aot : Build.Jit, ["--model", model, .. ModelOptions.Workers(model, 2)]);
        // Prefork workers accept, each with a descriptor table of its own; every other model accepts in the server.
        var accepting = model == "prefork" ? ProcFs.ChildrenOf(server.Pid).Select(c => c.Pid).ToList() : [server.Pid];
        int open = ProcFs.OpenFileDescriptors(server.Pid);
        foreach (int pid in accepting)
        {
            // A new descriptor takes the lowest free number, which must be below the limit: make that number the limit.
            var used = Directory.GetFiles($"/proc/{pid}/fd").Select(f => int.Parse(Path.GetFileName(f))).ToHashSet();
            int lowestFree = Enumerable.Range(0, used.Count + 1).First(fd => !used.Contains(fd));
            SetSoftLimit(pid, "nofile", lowestFree.ToString());
        }

        if (model == "prefork")
        {
            // A worker already blocked in accept4 holds the descriptor it will return: one client each takes those.
            foreach (int _ in accepting)
            {
                using var early = new TcpClientSession(server.Port);
                Assert.Equal("you send:early", early.Exchange("early", "you send:early"));
                early.Send("q");
                Assert.True(early.ServerClosed());
            }
        }
        var waiting = Enumerable.Range(0, 5).Select(_ => new TcpClientSession(server.Port)).ToList();
        try
        {
            server.WaitForLine(l => l.Contains("accept4 failed: EMFILE"), TimeSpan.FromSeconds(10));
            long cpuBefore = accepting.Sum(ProcFs.CpuTicks);
            Thread.Sleep(2000);
            long cpuTicks = accepting.Sum(ProcFs.CpuTicks) - cpuBefore;
            Assert.False(server.HasExited, "the server ended when accept ran out of descriptors");
            if (model != "prefork")
            {
                Assert.Empty(ProcFs.ChildrenOf(server.Pid));
            }

            foreach (int pid in accepting)
            {
                SetSoftLimit(pid, "nofile", null);
            }
            foreach (var client in waiting)
            {
                // Each leaves once served: prefork has fewer workers than these clients.
                Assert.Equal("you send:waited", client.Exchange("waited", "you send:waited"));
                client.Send("q");
                Assert.True(client.ServerClosed());
            }
            server.WaitForLine(l => l.Contains("accept works again"), TimeSpan.FromSeconds(5));
            // Once per episode, per process that accepts: not once per retry.
            Assert.InRange(server.Errors.Count(l => l.Contains("accept4 failed: EMFILE")), 1, accepting.Count);
            Assert.InRange(cpuTicks, 0, 60);
            if (model == "fork")
            {
                Figures.Record("emfile", "accept() fails with EMFILE under RLIMIT_NOFILE",
                    new Dictionary<string, object> { ["descriptors_open"] = open, ["clients_waiting"] = waiting.Count, ["cpu_ticks_over_2s"] = cpuTicks, ["served_after_lift"] = waiting.Count });
            }
        }
        finally
        {
            waiting.ForEach(c => c.Dispose());
        }
    }

    [Fact]
    public void ASpawnPoolThatCannotOpenAChannelForANewChildSaysSoAndKeepsServing()
    {
        Assert.SkipUnless(ProcFs.IsRoot && File.Exists("/usr/bin/prlimit"),
            "needs root and prlimit (util-linux) to lower and raise a running server's descriptor limit");
        using var server = ServerProcess.Start(Build.Aot, "--model", "spawn", "--workers", "1", "--log", "json");
        Assert.True(Wait.Until(() => ProcFs.ChildrenOf(server.Pid).Count == 1, TimeSpan.FromSeconds(10)), "the waiting child");
        // Room for the accepted client and nothing more: the channel for the child that refills the pool (a socket pair,
        // two descriptors) cannot be made once the client is handed over and closed.
        var used = Directory.GetFiles($"/proc/{server.Pid}/fd").Select(f => int.Parse(Path.GetFileName(f))).ToHashSet();
        int lowestFree = Enumerable.Range(0, used.Count + 1).First(fd => !used.Contains(fd));
        SetSoftLimit(server.Pid, "nofile", (lowestFree + 1).ToString());
        using (var first = new TcpClientSession(server.Port))
        {
            Assert.Equal("you send:first", first.Exchange("first", "you send:first"));
        }
        // The socket pair, or the copy of its end above the descriptors a program is given.
        server.WaitForLine(l => l.Contains("cannot start a child to wait for clients") && l.Contains("failed: EMFILE"), TimeSpan.FromSeconds(10));
        Assert.False(server.HasExited, server.Transcript());

        SetSoftLimit(server.Pid, "nofile", null);
        for (int i = 0; i < 3; i++)
        {
            using var client = new TcpClientSession(server.Port);
            Assert.Equal($"you send:{i}", client.Exchange($"{i}", $"you send:{i}"));
        }
        Assert.False(server.HasExited, server.Transcript());
    }

    /// <summary>
    /// Sets a running process's soft limit with prlimit, or raises it back to the hard limit when
    /// <paramref name="soft"/> is null. The hard limit is left alone: lowering it could not be undone here.
    /// </summary>
    internal static void SetSoftLimit(int pid, string resource, string? soft)
    {
        // Without CAP_SYS_RESOURCE (not granted here even to root) prlimit(2) may only touch a process of the same
        // uid, so prlimit runs as the server's user.
        int uid = ProcFs.Uids(pid)[0];
        string[] asOwner = uid == 0 ? [] : ["/usr/bin/setpriv", $"--reuid={uid}", $"--regid={uid}", "--clear-groups"];
        string hard = RunPrlimit([.. asOwner, "/usr/bin/prlimit", "--pid", pid.ToString(), $"--{resource}", "--raw", "--noheadings", "--output", "HARD"]).Trim();
        RunPrlimit([.. asOwner, "/usr/bin/prlimit", "--pid", pid.ToString(), $"--{resource}={soft ?? hard}:{hard}"]);
    }

    private static string RunPrlimit(string[] command)
    {
        var info = new ProcessStartInfo(command[0], command[1..]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var prlimit = Process.Start(info)!;
        string output = prlimit.StandardOutput.ReadToEnd();
        string error = prlimit.StandardError.ReadToEnd();
        prlimit.WaitForExit();
        Assert.True(prlimit.ExitCode == 0, $"{string.Join(' ', command)}: {error}");
        return output;
    }
}
