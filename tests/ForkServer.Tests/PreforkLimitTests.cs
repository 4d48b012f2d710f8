using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using ForkServer.Tests.Support;

namespace ForkServer.Tests;

/// <summary>
/// --max-per-ip and --rate in the prefork model, where no one process accepts: each worker accepts on its own, so the
/// limits are kept in memory the workers share.
/// </summary>
[Trait("Category", "Linux")]
public sealed class PreforkLimitTests
{
    public static TheoryData<Build> Builds => [Build.Jit, Build.Aot];

    [Theory]
    [MemberData(nameof(Builds))]
    public void MaxPerIpServesTwoFromOneAddressRefusesTheRestOnceLoggedAndServesAnotherAddress(Build build)
    {
        using var server = ServerProcess.Start(build, "--model", "prefork", "--workers", "8", "--max-per-ip", "2", "--log", "json");
        var served = Enumerable.Range(0, 2).Select(_ => new TcpClientSession(server.Port)).ToList();
        Assert.Equal(["you send:a", "you send:a"], served.Select(c => c.Exchange("a", "you send:a")));
        for (int i = 0; i < 3; i++)
        {
            using var refused = new TcpClientSession(server.Port);
            Assert.Equal("too many connections from your address\n", Encoding.UTF8.GetString(refused.ReceiveToEnd()));
        }
        using (var other = new TcpClientSession(server.Port, from: "127.0.0.2"))
        {
            Assert.Equal("you send:b", other.Exchange("b", "you send:b"));
        }
        Assert.Equal("you send:still here", served[0].Exchange("still here", "you send:still here"));
        // The log's lines reach the test on a reader thread of their own, maybe after the client's bytes.
        Assert.True(Wait.Until(() => server.ErrorEvents("refusing").Count > 0, TimeSpan.FromSeconds(10)), server.Transcript());
        var refusing = Assert.Single(server.ErrorEvents("refusing"));
        Assert.Equal("127.0.0.1", refusing.GetProperty("source").GetString());
        Assert.Empty(server.Events("admitting"));

        served.ForEach(c => c.Dispose());
        var admitting = server.WaitForLine(l => l.Contains("\"admitting\""), TimeSpan.FromSeconds(15));
        Assert.Contains("\"refused\":3", admitting);
        using var again = new TcpClientSession(server.Port);
        Assert.Equal("you send:again", again.Exchange("again", "you send:again"));
        Assert.Single(server.ErrorEvents("refusing"));
    }

    [Fact]
    public void RateLetsAtMostTenInAnySecondAndServesABurstOfAHundredInTheEnd()
    {
        using var server = ServerProcess.Start("--model", "prefork", "--workers", "4", "--rate", "10/1", "--log", "json");
        var clients = Enumerable.Range(0, 100).Select(_ => new TcpClientSession(server.Port)).ToList();
        foreach (var client in clients)
        {
            client.Socket.ReceiveTimeout = 60_000;
            client.Send("hi");
            client.Socket.Shutdown(SocketShutdown.Send);
        }
        var answers = clients.Select(c => Encoding.UTF8.GetString(c.ReceiveToEnd())).ToList();
        Assert.All(answers, a => Assert.Equal("you send:hi", a));
        clients.ForEach(c => c.Dispose());

        server.AssertAcceptedAtMost(10, 100);
        Assert.True(Wait.Until(() => server.Events("accepting").Count > 0, TimeSpan.FromSeconds(10)), server.Transcript());
        Assert.True(Assert.Single(server.Events("accepting")).GetProperty("rate").GetBoolean());
    }

    [Fact]
    public void AWorkerKilledWhileServingLeavesNoClientCountedForItsSource()
    {
        using var server = ServerProcess.Start("--model", "prefork", "--workers", "3", "--max-per-ip", "1", "--log", "json");
        int victim;
        using (var held = new TcpClientSession(server.Port))
        {
            Assert.Equal("you send:held", held.Exchange("held", "you send:held"));
            Assert.True(Wait.Until(() => server.Events("accepted").Any(e => e.GetProperty("peer").GetString() == held.LocalAddress), TimeSpan.FromSeconds(10)), server.Transcript());
            victim = server.Events("accepted").Single(e => e.GetProperty("peer").GetString() == held.LocalAddress).GetProperty("pid").GetInt32();
            ProcFs.Kill(victim, ProcFs.SIGKILL);
            Assert.True(held.ServerClosed());
        }
        // The replacement is started once the dead worker is reaped, and what it held is freed then.
        Assert.True(Wait.Until(() => server.Events("worker-started").Count == 4, TimeSpan.FromSeconds(10)), server.Transcript());
        using var after = new TcpClientSession(server.Port);
        Assert.Equal("you send:after", after.Exchange("after", "you send:after"));
        Assert.Empty(server.ErrorEvents("refusing"));
    }

    [Fact]
    public void WorkersRestartedBySighupLeaveNoRateTurnBehind()
    {
        // Two turns, both taken by the two idle workers waiting in accept: each SIGHUP ends them there.
        using var server = ServerProcess.Start("--model", "prefork", "--workers", "2", "--rate", "2/1", "--log", "json");
        for (int round = 0; round < 3; round++)
        {
            var before = ProcFs.ChildrenOf(server.Pid).Select(c => c.Pid).ToHashSet();
            server.Signal(ProcFs.SIGHUP);
            Assert.True(Wait.Until(() => ProcFs.ChildrenOf(server.Pid) is { Count: 2 } now && now.All(c => !before.Contains(c.Pid) && c.State != 'Z'),
                TimeSpan.FromSeconds(10)), $"the workers were not replaced:\n{server.Transcript()}");
            using var client = new TcpClientSession(server.Port);
            Assert.Equal($"you send:round {round}", client.Exchange($"round {round}", $"you send:round {round}"));
        }
    }
}
