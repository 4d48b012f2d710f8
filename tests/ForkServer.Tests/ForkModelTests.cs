using System.Collections.Concurrent;
using ForkServer.Tests.Support;

namespace ForkServer.Tests;

/// <summary>The fork-per-connection echo server, run as a real process, in both builds.</summary>
[Trait("Category", "Linux")]
public sealed class ForkModelTests
{
    public static TheoryData<Build> Builds => [Build.Jit, Build.Aot];

    [Theory]
    [MemberData(nameof(Builds))]
    public void ClientsOneAfterAnotherEachGetTheirOwnChildOfTheServer(Build build)
    {
        using var server = ServerProcess.Start(build, "--log", "json");
        var pids = new HashSet<int>();
        for (int i = 0; i < 200; i++)
        {
            using var client = new TcpClientSession(server.Port);
            Assert.Equal($"you send:hello {i}", client.Exchange($"hello {i}", $"you send:hello {i}"));
            // While the session is open, the child that serves it is alive and is the server's child.
            int child = ChildServing(server, client);
            Assert.Equal(server.Pid, ProcFs.Read(child)?.PPid);
            Assert.True(pids.Add(child), $"child {child} served two clients");
            client.Send("q");
            Assert.True(client.ServerClosed(), "q did not end the session");
        }
        Assert.Equal(200, pids.Count);
    }

    [Theory]
    [MemberData(nameof(Builds))]
    public async Task FiveHundredClients32AtATimeGetByteExactReplies(Build build)
    {
        using var server = ServerProcess.Start(build, "--log", "json");
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
        Assert.True(Wait.Until(() => server.Events("forked").Count == 500, TimeSpan.FromSeconds(10)));
        var forked = server.Events("forked");
        Assert.Equal(500, forked.Select(e => e.GetProperty("child").GetInt32()).Distinct().Count());
        Assert.All(forked, e => Assert.Equal(server.Pid, e.GetProperty("pid").GetInt32()));
    }

    [Theory]
    [MemberData(nameof(Builds))]
    public void OpenDescriptorsAreTheSameBeforeAndAfter1000Connections(Build build)
    {
        using var server = ServerProcess.Start(build, "--quiet");
        int before = ProcFs.OpenFileDescriptors(server.Pid);
        for (int i = 0; i < 1000; i++)
        {
            using var client = new TcpClientSession(server.Port);
            Assert.Equal("you send:x", client.Exchange("x", "you send:x"));
        }
        Assert.True(Wait.Until(() => ProcFs.ChildrenOf(server.Pid).Count == 0, TimeSpan.FromSeconds(10)), "children left");
        // Mono's signal wait makes and closes a pipe per wake-up, so a snapshot can catch it mid-way: a leak is a
        // count that stays above the baseline.
        Wait.Until(() => ProcFs.OpenFileDescriptors(server.Pid) == before, TimeSpan.FromSeconds(5));
        Assert.Equal(before, ProcFs.OpenFileDescriptors(server.Pid));
    }

    [Theory]
    [MemberData(nameof(Builds))]
    public void AChildKilledMidSessionIsLoggedReapedAndTheServerGoesOn(Build build)
    {
        using var server = ServerProcess.Start(build, "--log", "json");
        using (var victim = new TcpClientSession(server.Port))
        {
            Assert.Equal("you send:hi", victim.Exchange("hi", "you send:hi"));
            int child = ChildServing(server, victim);
            ProcFs.Kill(child, ProcFs.SIGKILL);
            server.WaitForLine(l => l.Contains($"child {child} killed by SIGKILL") && l.Contains("reaped"), TimeSpan.FromSeconds(5));
            Assert.True(Wait.Until(() => ProcFs.Read(child) is null, TimeSpan.FromSeconds(5)), $"child {child} was not reaped");
        }
        using var next = new TcpClientSession(server.Port);
        Assert.Equal("you send:still there?", next.Exchange("still there?", "you send:still there?"));
    }

    [Fact]
    public void TextLogShowsListeningAcceptForkAndReap()
    {
        using var server = ServerProcess.Start();
        string peer;
        using (var client = new TcpClientSession(server.Port))
        {
            peer = client.LocalAddress;
            client.Exchange("hi", "you send:hi");
            client.Send("q");
            client.ServerClosed();
        }
        string forked = server.WaitForLine(l => l.Contains($"forked child") && l.Contains(peer), TimeSpan.FromSeconds(5));
        int child = int.Parse(forked.Split("forked child ")[1].Split(' ')[0]);
        server.WaitForLine(l => l.Contains($"child {child} exited with status 0") && l.Contains("reaped"), TimeSpan.FromSeconds(5));
        Assert.Contains(server.Output, l => l.Contains($"[{server.Pid}] accepted {peer}"));
        Assert.Contains(server.Output, l => l.Contains($"ps -o pid,ppid,stat,cmd --ppid {server.Pid}"));
    }

    /// <summary>The pid of the child the server forked for this client, from the server's "forked" event.</summary>
    private static int ChildServing(ServerProcess server, TcpClientSession client)
    {
        string peer = client.LocalAddress;
        server.WaitForLine(l => l.Contains("\"forked\"") && l.Contains($"\"{peer}\""), TimeSpan.FromSeconds(5));
        return server.Events("forked").Single(e => e.GetProperty("peer").GetString() == peer).GetProperty("child").GetInt32();
    }
}
