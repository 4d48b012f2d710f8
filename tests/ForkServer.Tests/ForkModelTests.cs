using System.Collections.Concurrent;
using ForkServer.Tests.Support;

namespace ForkServer.Tests;

/// <summary>
/// The fork-per-connection echo server, run as a real process, in both builds; and the same cases under the
/// process-spawn model (<c>--model spawn</c>), whose clients must see exactly what fork's see.
/// </summary>
[Trait("Category", "Linux")]
public sealed class ForkModelTests
{
    /// <summary>
    /// Fork in both builds; spawn in the NativeAOT build, whose children start in milliseconds (a JIT child takes a
    /// few hundred, too slow for the loops of hundreds of clients below).
    /// </summary>
    public static TheoryData<Build, string> Models => new() { { Build.Jit, "fork" }, { Build.Aot, "fork" }, { Build.Aot, "spawn" } };

    [Theory]
    [MemberData(nameof(Models))]
    public void ClientsOneAfterAnotherEachGetTheirOwnChildOfTheServer(Build build, string model)
    {
        using var server = ServerProcess.Start(build, "--model", model, "--log", "json");
        var pids = new HashSet<int>();
        for (int i = 0; i < 200; i++)
        {
            int before = server.Events(StartedEvent(model)).Count;
            using var client = new TcpClientSession(server.Port);
            Assert.Equal($"you send:hello {i}", client.Exchange($"hello {i}", $"you send:hello {i}"));
            // While the session is open, the child that serves it is alive and is the server's child.
            int child = ChildServing(server, client, model, before);
            Assert.Equal(server.Pid, ProcFs.Read(child)?.PPid);
            Assert.True(pids.Add(child), $"child {child} served two clients");
            client.Send("q");
            Assert.True(client.ServerClosed(), "q did not end the session");
        }
        Assert.Equal(200, pids.Count);
    }

    [Theory]
    [MemberData(nameof(Models))]
    public async Task FiveHundredClients32AtATimeGetByteExactReplies(Build build, string model)
    {
        using var server = ServerProcess.Start(build, "--model", model, "--log", "json");
        var failures = new ConcurrentBag<string>();
        await Parallel.ForAsync(0, 500, new ParallelOptions { MaxDegreeOfParallelism = 32 }, (i, _) =>
        {
            using var client = new TcpClientSession(server.Port);
            string message = $"client {i} says {new string((char)('a' + i % 26), i % 100)}";
            string reply = client.Exchange(message, "you send:" + message);
            if (reply != "you send:" + message)
            {
                failures.Add($"client {i}: {reply}");
            }
            client.Send("Q");
            if (!client.ServerClosed())
            {
                failures.Add($"client {i}: Q did not end the session");
            }
            return ValueTask.CompletedTask;
        });
        Assert.Empty(failures);
        Assert.True(Wait.Until(() => server.Events(StartedEvent(model)).Count == 500, TimeSpan.FromSeconds(10)));
        var forked = server.Events(StartedEvent(model));
        Assert.Equal(500, forked.Select(e => e.GetProperty("child").GetInt32()).Distinct().Count());
        Assert.All(forked, e => Assert.Equal(server.Pid, e.GetProperty("pid").GetInt32()));
    }

    [Theory]
    [InlineData(Build.Jit, "fork", 1000)]
    [InlineData(Build.Aot, "fork", 1000)]
    [InlineData(Build.Aot, "spawn", 500)]
    public void OpenDescriptorsAreTheSameBeforeAndAfterManyConnections(Build build, string model, int connections)
    {
        using var server = ServerProcess.Start(build, "--model", model, "--quiet");
        int before = ProcFs.OpenFileDescriptors(server.Pid);
        int socketsBefore = ProcFs.OpenSockets(server.Pid);
        for (int i = 0; i < connections; i++)
        {
            using var client = new TcpClientSession(server.Port);
            Assert.Equal("you send:x", client.Exchange("x", "you send:x"));
        }
        Assert.True(Wait.Until(() => ProcFs.ChildrenOf(server.Pid).Count == 0, TimeSpan.FromSeconds(10)), "children left");
        // Every client socket the parent accepted is closed again, and nothing makes a descriptor per wake-up.
        Assert.Equal(socketsBefore, ProcFs.OpenSockets(server.Pid));
        Assert.Equal(before, ProcFs.OpenFileDescriptors(server.Pid));
    }

    [Theory]
    [InlineData(Build.Jit, "fork")]
    [InlineData(Build.Jit, "prefork")]
    // The workers' per-source count and rate ring, in memory they share, are worker code too: at 40 a second the
    // workers wait for their turns and start and end rate episodes (a refusal, which these clients never meet, is
    // rehearsed in the parent all the same).
    [InlineData(Build.Jit, "prefork", "--max-per-ip", "64", "--rate", "40/1")]
    // Optimized, the JIT inlines a method into the warm-up that calls it, and a child that calls it too compiles it.
    [InlineData(Build.JitOptimized, "fork")]
    [InlineData(Build.JitOptimized, "prefork")]
    public void ForkedChildrenOfTheJitBuildMakeNoCode(Build build, string model, params string[] limits)
    {
        // A child that compiles a method or makes a stub takes runtime locks another thread of the parent may have
        // held at the moment of fork, and can wait for them forever. The runtime's perf map (/tmp/perf-PID.map, which
        // children inherit open) gets one line for each piece of code made, by the parent or any child.
        using var server = ServerProcess.StartUnder(["/usr/bin/env", "DOTNET_PerfMapEnabled=3"], build, ["--model", model, "--quiet", .. limits]);
        string perfMap = $"/tmp/perf-{server.Pid}.map";
        try
        {
            // The parent compiles its own accept, fork and reap path under the first clients.
            ServeOneAtATime(server, 50, model);
            Thread.Sleep(1500);
            int before = File.ReadAllLines(perfMap).Length;
            ServeOneAtATime(server, 100, model);
            int made = File.ReadAllLines(perfMap).Length - before;
            // Each child that makes code adds a line at least; the parent may still compile a rare path of its own.
            Assert.True(made < 50, $"{made} pieces of code were made while 100 clients were served:\n{string.Join('\n', File.ReadAllLines(perfMap).Skip(before))}");
        }
        finally
        {
            File.Delete(perfMap);
        }
    }

    /// <summary>
    /// A forked child looks up no symbol: every libc function it calls was bound before the first fork. A P/Invoke
    /// bound lazily is looked up (dlsym, under the dynamic loader's lock) by the first process that calls it; NativeAOT
    /// binds lazily unless told otherwise, and every child then looked up what the parent had never called
    /// (sigemptyset, prctl, getppid, sigprocmask, _exit), ten page faults and a search of every loaded library per
    /// child. The loader's debug output, which children inherit, starts each line with the pid that wrote it.
    /// </summary>
    [Theory]
    [InlineData(Build.Jit)]
    [InlineData(Build.Aot)]
    public void ForkedChildrenLookUpNoSymbol(Build build)
    {
        string prefix = Path.Combine(Path.GetTempPath(), $"forkserver-ld-{Guid.NewGuid():N}");
        using var server = ServerProcess.StartUnder(["/usr/bin/env", "LD_DEBUG=symbols", $"LD_DEBUG_OUTPUT={prefix}"], build, "--quiet");
        string log = $"{prefix}.{server.Pid}";
        try
        {
            ServeOneAtATime(server, 20);
            var byChildren = File.ReadAllLines(log)
                .Where(l => l.Contains("symbol=", StringComparison.Ordinal) && int.Parse(l.AsSpan(0, l.IndexOf(':'))) != server.Pid)
                .ToList();
            Assert.True(byChildren.Count == 0, $"children looked up {byChildren.Count} symbols:\n{string.Join('\n', byChildren.Take(20))}");
            // The parent's own lookups are there: the log is the one the children wrote to.
            Assert.Contains(File.ReadLines(log), l => l.Contains("symbol=", StringComparison.Ordinal));
        }
        finally
        {
            File.Delete(log);
        }
    }

    /// <summary>
    /// The NativeAOT executable's .bss holds the runtime's type data and statics, written at start-up: a megabyte of
    /// written pages, each a page-table entry that every fork copied and every child's exit tore down. Moved into a
    /// memory file before the loop, only the pages the server touches afterwards are its own: after a hundred clients,
    /// fewer than half of them. Children still read the rest, and reply byte for byte.
    /// </summary>
    [Fact]
    public void TheNativeAotServerForksWithFewOfItsDataPagesInItsPageTable()
    {
        using var server = ServerProcess.Start(Build.Aot, "--quiet");
        ServeOneAtATime(server, 100);
        var bss = ProcFs.Mapping(server.Pid, l => l.EndsWith("/memfd:forkserver-bss (deleted)", StringComparison.Ordinal));
        Assert.True(bss is not null, "no mapping of the memory file:\n" + string.Join('\n', File.ReadAllLines($"/proc/{server.Pid}/maps")));
        Assert.True(bss["Size"] >= 512, $"the .bss is {bss["Size"]} KiB");
        Assert.True(bss["Rss"] * 2 < bss["Size"], $"{bss["Rss"]} KiB of {bss["Size"]} KiB are in the server's page table");
    }

    /// <summary>
    /// A forked child of the NativeAOT build runs code from a few pages of the executable: the methods it runs are laid
    /// out together (ChildPath.order). fork gives a child no page-table entry of code, so each page it runs is a fault
    /// that maps the 16 around it, and its exit unmaps them: scattered, a child that had served one message had 1.1 MiB
    /// of the code mapped; together, about 200 KiB.
    /// </summary>
    [Fact]
    public void TheNativeAotChildRunsCodeFromAFewPagesOfTheExecutable()
    {
        using var server = ServerProcess.Start(Build.Aot, "--log", "json");
        using var client = new TcpClientSession(server.Port);
        Assert.Equal("you send:hi", client.Exchange("hi", "you send:hi"));
        int child = ChildServing(server, client, "fork", before: 0);
        var code = ProcFs.Mapping(child, l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries) is [_, "r-xp", .., var path] && path.EndsWith("/forkserver", StringComparison.Ordinal));
        Assert.True(code is not null, "no code mapping of the executable:\n" + string.Join('\n', File.ReadAllLines($"/proc/{child}/maps")));
        Assert.True(code["Rss"] <= 384, $"the child has {code["Rss"]} KiB of the executable's code mapped");
        client.Send("q");
        Assert.True(client.ServerClosed());
    }

    /// <summary>
    /// A forked child allocates nothing on the managed heap: the allocator's slow path and the GC take locks that a
    /// thread of the parent may have held at the moment of fork. In a test mode each child reports what it allocated.
    /// </summary>
    [Theory]
    [InlineData(Build.Jit)]
    [InlineData(Build.Aot)]
    public void ForkedChildrenAllocateNothingOnTheManagedHeap(Build build)
    {
        using var server = ServerProcess.StartUnder(["/usr/bin/env", "FORKSERVER_REPORT_CHILD_ALLOCATIONS=1"], build, "--quiet");
        for (int i = 0; i < 50; i++)
        {
            using var client = new TcpClientSession(server.Port);
            Assert.Equal($"you send:{i}", client.Exchange($"{i}", $"you send:{i}"));
            client.Send("q");
            Assert.True(client.ServerClosed());
        }
        List<(int Pid, long Bytes)> Reports() =>
        [
            .. server.Errors.Where(l => l.StartsWith("child-allocations "))
                .Select(l => l.Split(' ')).Select(w => (int.Parse(w[1]), long.Parse(w[2]))).Where(r => r.Item1 != server.Pid),
        ];
        Assert.True(Wait.Until(() => Reports().Count == 50, TimeSpan.FromSeconds(10)), server.Transcript());
        Assert.All(Reports(), report => Assert.Equal(0, report.Bytes));
    }

    [Theory]
    [MemberData(nameof(Models))]
    [InlineData(Build.Jit, "spawn")]
    public void AChildKilledMidSessionIsLoggedReapedAndTheServerGoesOn(Build build, string model)
    {
        using var server = ServerProcess.Start(build, "--model", model, "--log", "json");
        using (var victim = new TcpClientSession(server.Port))
        {
            Assert.Equal("you send:hi", victim.Exchange("hi", "you send:hi"));
            int child = ChildServing(server, victim, model, before: 0);
            ProcFs.Kill(child, ProcFs.SIGKILL);
            server.WaitForLine(l => l.Contains($"child {child} killed by SIGKILL") && l.Contains("reaped"), TimeSpan.FromSeconds(5));
            Assert.True(Wait.Until(() => ProcFs.Read(child) is null, TimeSpan.FromSeconds(5)), $"child {child} was not reaped");
        }
        using var next = new TcpClientSession(server.Port);
        Assert.Equal("you send:still there?", next.Exchange("still there?", "you send:still there?"));
    }

    [Theory]
    [InlineData("fork")]
    [InlineData("spawn")]
    public void TextLogShowsListeningAcceptForkAndReap(string model)
    {
        using var server = ServerProcess.Start("--model", model);
        string peer;
        using (var client = new TcpClientSession(server.Port))
        {
            peer = client.LocalAddress;
            client.Exchange("hi", "you send:hi");
            client.Send("q");
            client.ServerClosed();
        }
        string forked = server.WaitForLine(l => l.Contains($"{StartedEvent(model)} child") && l.Contains(peer), TimeSpan.FromSeconds(5));
        int child = int.Parse(forked.Split($"{StartedEvent(model)} child ")[1].Split(' ')[0]);
        server.WaitForLine(l => l.Contains($"child {child} exited with status 0") && l.Contains("reaped"), TimeSpan.FromSeconds(5));
        Assert.Contains(server.Output, l => l.Contains($"[{server.Pid}] accepted {peer}"));
        Assert.Contains(server.Output, l => l.Contains($"ps -o pid,ppid,stat,comm,cmd --ppid {server.Pid}"));
    }

    private static void ServeOneAtATime(ServerProcess server, int clients, string model = "fork")
    {
        for (int i = 0; i < clients; i++)
        {
            using var client = new TcpClientSession(server.Port);
            Assert.Equal("you send:x", client.Exchange("x", "you send:x"));
        }
        // Prefork workers stay; a forked child per client goes.
        Assert.True(model == "prefork" || Wait.Until(() => ProcFs.ChildrenOf(server.Pid).Count == 0, TimeSpan.FromSeconds(10)), "children left");
    }

    /// <summary>
    /// The pid of the child made for <paramref name="client"/>, the only one made since <paramref name="before"/> children were:
    /// matching by address alone would find an earlier client's child when the kernel gives the port out again.
    /// </summary>
    private static int ChildServing(ServerProcess server, TcpClientSession client, string model, int before)
    {
        Assert.True(Wait.Until(() => server.Events(StartedEvent(model)).Count > before, TimeSpan.FromSeconds(5)), server.Transcript());
        var started = server.Events(StartedEvent(model))[before];
        Assert.Equal(client.LocalAddress, started.GetProperty("peer").GetString());
        return started.GetProperty("child").GetInt32();
    }

    /// <summary>The event, and the word in the text log, for a new child: each model names how it made it.</summary>
    private static string StartedEvent(string model) => model == "spawn" ? "spawned" : "forked";
}
