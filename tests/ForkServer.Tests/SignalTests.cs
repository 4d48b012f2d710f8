using System.Net.Sockets;
using System.Text.Json;
using ForkServer.Tests.Support;

namespace ForkServer.Tests;

/// <summary>
/// What every signal does, sent to the server and to its children, in every model: the README's table. Whatever the
/// signal, no process of the server's tree is left afterwards (read from /proc/PID/task/TID/children).
/// </summary>
[Trait("Category", "Linux")]
public sealed class SignalTests
{
    public static TheoryData<string> Models => ["fork", "prefork", "spawn", "thread", "select", "iterative"];

    public static TheoryData<string, int> StopSignals
    {
        get
        {
            var data = new TheoryData<string, int>();
            foreach (string model in new[] { "fork", "prefork", "spawn", "thread", "select", "iterative" })
            {
                foreach (int signal in new[] { ProcFs.SIGTERM, ProcFs.SIGINT, ProcFs.SIGQUIT })
                {
                    data.Add(model, signal);
                }
            }
            return data;
        }
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void EverySignalThatDoesNotStopTheServerIsLoggedAndTheServerServesOn(string model)
    {
        using var server = StartModel(model);
        BadInputTests.AssertStillServes(server);

        server.Signal(ProcFs.SIGUSR1);
        var status = WaitForEvent(server, "status", _ => true);
        Assert.StartsWith("status (SIGUSR1):", status.GetProperty("message").GetString());
        BadInputTests.AssertStillServes(server);

        // Every signal the server takes that has no meaning for it (the README's "every other one").
        (int Number, string Name)[] meaningless = [(12, "SIGUSR2"), (14, "SIGALRM"), (16, "SIGSTKFLT"), (24, "SIGXCPU"),
            (25, "SIGXFSZ"), (26, "SIGVTALRM"), (27, "SIGPROF"), (29, "SIGIO"), (30, "SIGPWR")];
        foreach (var (number, name) in meaningless)
        {
            server.Signal(number);
            WaitForEvent(server, "signal-ignored", e => e.GetProperty("signal").GetString() == name);
            BadInputTests.AssertStillServes(server);
        }

        var before = ProcFs.ChildrenOf(server.Pid).Select(c => c.Pid).ToHashSet();
        server.Signal(ProcFs.SIGHUP);
        if (model == "prefork")
        {
            // A restart: fresh workers take over, and the idle old ones end on the SIGHUP at once.
            WaitForEvent(server, "reloading", _ => true);
            // The reaped lines come a moment after /proc shows the old workers gone: wait for both.
            Assert.True(Wait.Until(() => ProcFs.ChildrenOf(server.Pid) is { Count: 2 } now && now.All(c => !before.Contains(c.Pid) && c.State != 'Z')
                && server.Events("reaped").Count(e => e.GetProperty("signal").GetString() == "SIGHUP") == 2,
                TimeSpan.FromSeconds(10)), $"the workers were not replaced:\n{server.Transcript()}");
        }
        else
        {
            WaitForEvent(server, "signal-ignored", e => e.GetProperty("signal").GetString() == "SIGHUP");
        }
        BadInputTests.AssertStillServes(server);

        // SIGPIPE is ignored, as by every server that writes to sockets.
        server.Signal(ProcFs.SIGPIPE);
        Thread.Sleep(200);
        Assert.False(server.HasExited);
        BadInputTests.AssertStillServes(server);

        var tree = ProcFs.Tree(server.Pid);
        server.Signal(ProcFs.SIGTERM);
        Assert.Equal(0, server.WaitForExit(TimeSpan.FromSeconds(30)));
        Assert.Single(server.Events("stopped"));
        AssertAllGone(tree);
    }

    /// <summary>
    /// The signals the server leaves at their default action act as on any program (tini leaves the same ones alone):
    /// job control is neither blocked, ignored nor caught, so that Ctrl-Z stops it; SIGWINCH and SIGURG are ignored
    /// without a word; and a signal that a program error raises (SIGSYS here) ends it, and its children with it.
    /// </summary>
    [Fact]
    public void TheSignalsLeftAtTheirDefaultActionActAsOnAnyProgram()
    {
        Assert.SkipUnless(File.Exists("/usr/bin/prlimit"), "needs prlimit (util-linux), to start the server without core dumps");
        using var server = ServerProcess.StartUnder(["/usr/bin/prlimit", "--core=0"], Build.Jit, "--log", "json");
        using var client = new TcpClientSession(server.Port);
        Assert.Equal("you send:a", client.Exchange("a", "you send:a"));

        // The masks, not a SIGTSTP: the kernel discards SIGTSTP, SIGTTIN and SIGTTOU sent to a process of an orphaned
        // process group (as a test run started from a script may be) instead of stopping it.
        const ulong JobControl = 1UL << (ProcFs.SIGTSTP - 1) | 1UL << (ProcFs.SIGTTIN - 1) | 1UL << (ProcFs.SIGTTOU - 1);
        foreach (string mask in new[] { "SigBlk", "SigIgn", "SigCgt" })
        {
            Assert.Equal(0UL, Convert.ToUInt64(ProcFs.StatusField(server.Pid, mask), 16) & JobControl);
        }
        server.Signal(ProcFs.SIGWINCH);
        server.Signal(ProcFs.SIGURG);
        BadInputTests.AssertStillServes(server);
        Assert.Empty(server.Events("signal-ignored"));

        var tree = ProcFs.Tree(server.Pid);
        // SIGSYS, which no runtime catches: the JIT's catches SIGTRAP, SIGSEGV, SIGILL and the like for its own use, and
        // once, under load, a SIGTRAP left this server running for 30 s.
        server.Signal(ProcFs.SIGSYS);
        Assert.True(server.WaitForExit(TimeSpan.FromSeconds(30)) > 128, server.Transcript());
        AssertAllGone(tree);
    }

    [Theory]
    [MemberData(nameof(StopSignals))]
    public void EachStopSignalEndsTheSessionsAndLeavesNothing(string model, int signal)
    {
        using var server = StartModel(model, "--grace", "20");
        var clients = new List<TcpClientSession>();
        try
        {
            // Iterative serves one of them; the other waits in the backlog.
            for (int i = 0; i < 2; i++)
            {
                clients.Add(new TcpClientSession(server.Port));
            }
            Assert.Equal("you send:held", clients[0].Exchange("held", "you send:held"));
            var tree = ProcFs.Tree(server.Pid);

            server.Signal(signal);
            Assert.Equal(0, server.WaitForExit(TimeSpan.FromSeconds(30)));

            var stopping = Assert.Single(server.Events("stopping"));
            Assert.Equal(Name(signal), stopping.GetProperty("signal").GetString());
            Assert.Single(server.Events("stopped"));
            if (signal == ProcFs.SIGQUIT && model is "fork" or "prefork" or "spawn")
            {
                // Immediate: SIGKILL at once, no grace.
                Assert.Contains(server.Output, l => l.Contains("\"killing\"") && l.Contains("SIGQUIT: sent SIGKILL"));
                Assert.DoesNotContain(server.Events("reaped"), e => e.GetProperty("signal").GetString() == "SIGTERM");
            }
            else if (model is "fork" or "spawn")
            {
                Assert.Contains(server.Events("reaped"), e => e.GetProperty("signal").GetString() == "SIGTERM");
            }
            AssertAllGone(tree);
            Assert.True(SeesClosed(clients[0]), "the served client's connection stayed open");
        }
        finally
        {
            clients.ForEach(c => c.Dispose());
        }
    }

    /// <summary>
    /// Under the JIT a forked child inherits the runtime's own handlers; started with SIGQUIT at its default (as
    /// <c>env --default-signal=QUIT</c> does), a SIGQUIT to a child that kept them reached the parent and killed it.
    /// A child now starts from a plain process's signal state.
    /// </summary>
    [Theory]
    [InlineData("fork")]
    [InlineData("prefork")]
    public void ASignalToOneChildEndsThatChildOnlyAndItStartedFromPlainDispositions(string model)
    {
        using var server = ServerProcess.StartUnder(["/usr/bin/env", "--default-signal=QUIT"], Build.Jit,
            "--model", model, "--workers", "3", "--log", "json");
        var clients = Enumerable.Range(0, 2).Select(_ => new TcpClientSession(server.Port)).ToList();
        try
        {
            foreach (var client in clients)
            {
                Assert.Equal("you send:a", client.Exchange("a", "you send:a"));
            }
            var children = ProcFs.ChildrenOf(server.Pid).Select(c => c.Pid).ToList();
            foreach (int child in children)
            {
                // A prefork worker blocks SIGHUP only while it serves a client, so a restart lets the session end.
                ulong blocked = Convert.ToUInt64(ProcFs.StatusField(child, "SigBlk"), 16);
                Assert.True(blocked == 0 || (model == "prefork" && blocked == 1UL << (ProcFs.SIGHUP - 1)), $"child {child} blocks {blocked:x}");
                // Signals 32 and 33 are glibc's own (thread cancellation, set*id), which no program can change.
                Assert.Equal(0UL, Convert.ToUInt64(ProcFs.StatusField(child, "SigCgt"), 16) & ~(3UL << 31));
                // SIGPIPE alone stays ignored: its log may be a closed pipe.
                Assert.Equal("0000000000001000", ProcFs.StatusField(child, "SigIgn"));
            }
            ProcFs.Kill(children[0], ProcFs.SIGQUIT);
            ProcFs.Kill(children[1], ProcFs.SIGSEGV);
            WaitForEvent(server, "reaped", e => e.GetProperty("child").GetInt32() == children[0] && e.GetProperty("signal").GetString() == "SIGQUIT");
            WaitForEvent(server, "reaped", e => e.GetProperty("child").GetInt32() == children[1] && e.GetProperty("signal").GetString() == "SIGSEGV");
            Assert.False(server.HasExited, "the parent died with its child");
            BadInputTests.AssertStillServes(server);
        }
        finally
        {
            clients.ForEach(c => c.Dispose());
        }
    }

    /// <summary>Children are tied to the parent's life: killed with it, even by SIGKILL, which the parent cannot catch.</summary>
    [Theory]
    [InlineData("fork", Build.Jit)]
    [InlineData("fork", Build.Aot)]
    [InlineData("prefork", Build.Jit)]
    [InlineData("spawn", Build.Aot)]
    public void WhenTheParentIsKilledNoChildLivesOnAndThePortCanBeTakenAgain(string model, Build build)
    {
        using var server = ServerProcess.Start(build, ["--model", model, .. ModelOptions.Workers(model, 3), "--log", "json"]);
        var clients = Enumerable.Range(0, 20).Select(_ => new TcpClientSession(server.Port)).ToList();
        try
        {
            Assert.Equal("you send:a", clients[0].Exchange("a", "you send:a"));
            int expected = model == "prefork" ? 3 : 20;
            Assert.True(Wait.Until(() => ProcFs.ChildrenOf(server.Pid).Count(c => c.State != 'Z') == expected, TimeSpan.FromSeconds(30)),
                $"expected {expected} children, saw {ProcFs.ChildrenOf(server.Pid).Count}");
            var tree = ProcFs.Tree(server.Pid);

            server.Signal(ProcFs.SIGKILL);
            Assert.True(Wait.Until(() => tree.All(pid => !ProcFs.IsAlive(pid)), TimeSpan.FromSeconds(1)),
                $"alive 1 s after the parent's SIGKILL: {string.Join(", ", tree.Where(ProcFs.IsAlive))}");
            Assert.All(clients, client => Assert.True(SeesClosed(client)));
            using var again = ServerProcess.Start(build, "--model", model, "--port", server.Port.ToString(), "--quiet");
            BadInputTests.AssertStillServes(again);
        }
        finally
        {
            clients.ForEach(c => c.Dispose());
        }
    }

    /// <summary>Every thread of the forking process blocks the signals the funnel takes, and none but the runtime's runs beside fork.</summary>
    [Theory]
    [InlineData(Build.Jit)]
    [InlineData(Build.Aot)]
    public void EveryThreadOfTheServerBlocksTheSignalsItTakesAndNoThreadOfOursRuns(Build build)
    {
        using var server = ServerProcess.Start(build, "--quiet");
        BadInputTests.AssertStillServes(server);
        // HUP INT QUIT USR1 USR2 ALRM TERM CHLD: the ones the README's table gives a meaning.
        ulong handled = Bits(1, 2, 3, 10, 12, 14, 15, 17);
        var threads = ProcFs.ThreadsOf(server.Pid);
        Assert.All(threads, t => Assert.Equal(handled, ProcFs.BlockedSignals(server.Pid, t.Tid) & handled));
        Assert.All(threads.Where(t => t.Tid != server.Pid), t => Assert.StartsWith(".NET ", t.Name));
    }

    private static ulong Bits(params int[] signals) => signals.Aggregate(0UL, (mask, s) => mask | 1UL << (s - 1));

    /// <summary>The server for a model, in the build whose children start fast enough for these tests.</summary>
    private static ServerProcess StartModel(string model, params string[] more) =>
        ServerProcess.Start(model == "spawn" ? Build.Aot : Build.Jit, ["--model", model, .. ModelOptions.Workers(model, 2), "--log", "json", .. more]);

    internal static JsonElement WaitForEvent(ServerProcess server, string name, Func<JsonElement, bool> match)
    {
        Assert.True(Wait.Until(() => server.Events(name).Any(match), TimeSpan.FromSeconds(15)), $"no {name} event:\n{server.Transcript()}");
        return server.Events(name).First(match);
    }

    internal static void AssertAllGone(List<int> tree) =>
        Assert.True(Wait.Until(() => tree.All(pid => !ProcFs.IsAlive(pid)), TimeSpan.FromSeconds(5)),
            $"left alive: {string.Join(", ", tree.Where(ProcFs.IsAlive))}");

    private static string Name(int signal) => signal switch
    {
        ProcFs.SIGTERM => "SIGTERM",
        ProcFs.SIGINT => "SIGINT",
        ProcFs.SIGQUIT => "SIGQUIT",
        _ => signal.ToString(),
    };

    /// <summary>The client's end shows the connection closed: end of stream, or a reset.</summary>
    internal static bool SeesClosed(TcpClientSession client)
    {
        try
        {
            client.Socket.ReceiveTimeout = 10_000;
            var buffer = new byte[4096];
            while (true)
            {
                int n = client.Socket.Receive(buffer);
                if (n == 0)
                {
                    return true;
                }
            }
        }
        catch (SocketException e) when (e.SocketErrorCode is SocketError.ConnectionReset or SocketError.ConnectionAborted)
        {
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
