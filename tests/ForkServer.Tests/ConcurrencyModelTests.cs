using System.Net.Sockets;
using System.Text;
using ForkServer.Tests.Support;

namespace ForkServer.Tests;

/// <summary>What every model (fork, iterative, thread, select, spawn) shows a client: the same protocols, byte for byte.</summary>
[Trait("Category", "Linux")]
public sealed class ConcurrencyModelTests
{
    public static TheoryData<string> Models => ["fork", "iterative", "thread", "select", "spawn"];

    public static TheoryData<string, Build> NewModelsInBothBuilds =>
        new() { { "iterative", Build.Jit }, { "thread", Build.Jit }, { "select", Build.Jit }, { "iterative", Build.Aot }, { "thread", Build.Aot }, { "select", Build.Aot }, { "spawn", Build.Aot } };

    [Theory]
    [MemberData(nameof(Models))]
    public void GreetSendsTheGreetingAndCloses(string model)
    {
        using var server = ServerProcess.Start("--model", model, "--protocol", "greet", "--quiet");
        for (int i = 0; i < 3; i++)
        {
            using var client = new TcpClientSession(server.Port);
            Assert.Equal("Thank you for Connecting  \n"u8.ToArray(), client.ReceiveToEnd());
        }
    }

    [Theory]
    [MemberData(nameof(NewModelsInBothBuilds))]
    public void QEndsAnEchoSessionAndTheNextClientIsServed(string model, Build build)
    {
        using var server = ServerProcess.Start(build, "--model", model, "--prefix", "You Send:", "--quiet");
        foreach (string quit in new[] { "q", "Q", "q\n" })
        {
            using var client = new TcpClientSession(server.Port);
            Assert.Equal("You Send:hello", client.Exchange("hello", "You Send:hello"));
            Assert.Equal("You Send:Qx", client.Exchange("Qx", "You Send:Qx"));
            client.Send(quit);
            Assert.True(client.ServerClosed(), $"{quit.Trim()} did not end the session");
        }
    }

    [Theory]
    [InlineData("thread")]
    [InlineData("select")]
    public void PlainEchoRepliesWithTheDataAlone(string model)
    {
        using var server = ServerProcess.Start("--model", model, "--prefix", "", "--quiet");
        using var client = new TcpClientSession(server.Port);
        Assert.Equal("abc\n", client.Exchange("abc\n", "abc\n"));
    }

    [Fact]
    public void IterativeServesTheNextClientOnlyWhenTheFirstIsDone()
    {
        using var server = ServerProcess.Start("--model", "iterative", "--prefix", "You Send:", "--quiet");
        using var first = new TcpClientSession(server.Port);
        Assert.Equal("You Send:1", first.Exchange("1", "You Send:1"));
        using var second = new TcpClientSession(server.Port);
        AssertServedOnlyAfterTheFirstQuits(first, second, "2", "You Send:2");
    }

    [Fact]
    public void ThreadModelServesAtMostMaxChildrenClientsAtOnce()
    {
        using var server = ServerProcess.Start("--model", "thread", "--max-children", "2", "--prefix", "", "--quiet");
        using var first = new TcpClientSession(server.Port);
        using var second = new TcpClientSession(server.Port);
        Assert.Equal("1", first.Exchange("1", "1"));
        Assert.Equal("2", second.Exchange("2", "2"));
        using var third = new TcpClientSession(server.Port);
        AssertServedOnlyAfterTheFirstQuits(first, third, "3", "3");
    }

    /// <summary>
    /// The waiting client's connection is complete (the kernel queued it), but nobody reads from it until the first
    /// client quits and frees its place.
    /// </summary>
    private static void AssertServedOnlyAfterTheFirstQuits(TcpClientSession first, TcpClientSession waiting, string message, string reply)
    {
        waiting.Send(message);
        Assert.False(waiting.Socket.Poll(TimeSpan.FromMilliseconds(500), SelectMode.SelectRead), "served while the first client was still connected");
        first.Send("q");
        Assert.True(first.ServerClosed());
        Assert.Equal(reply, waiting.ReceiveText(reply.Length));
    }

    [Theory]
    [InlineData("iterative")]
    [InlineData("thread")]
    [InlineData("select")]
    public void SigtermWithAClientConnectedEndsItsSessionAndExitsZero(string model)
    {
        using var server = ServerProcess.Start("--model", model);
        using var client = new TcpClientSession(server.Port);
        Assert.Equal("you send:x", client.Exchange("x", "you send:x"));
        server.Signal(ProcFs.SIGTERM);
        Assert.Equal(0, server.WaitForExit(TimeSpan.FromSeconds(20)));
        Assert.True(client.ServerClosed());
        Assert.Contains(server.Output, l => l.Contains("SIGTERM received"));
        Assert.Contains(server.Output, l => l.Contains("stopped: served 1 clients"));
    }

    [Theory]
    [InlineData("iterative")]
    [InlineData("thread")]
    [InlineData("select")]
    public void AnIdleClientIsToldSoAndDisconnectedAndTheNextIsServed(string model)
    {
        using var server = ServerProcess.Start("--model", model, "--idle-timeout", "1", "--quiet");
        using (var idle = new TcpClientSession(server.Port))
        {
            Assert.Equal("idle for 1 s: closing the connection\n", Encoding.UTF8.GetString(idle.ReceiveToEnd()));
        }
        using var next = new TcpClientSession(server.Port);
        Assert.Equal("you send:next", next.Exchange("next", "you send:next"));
    }

    [Theory]
    [InlineData("iterative")]
    [InlineData("thread")]
    [InlineData("select")]
    public void PortInUseIsOneLineAndExitCode2(string model)
    {
        using var first = ServerProcess.Start("--model", model, "--quiet");
        var second = ProgramRun.Of(Binaries.Server, ["--model", model, "--port", first.Port.ToString()]);
        Assert.Equal(2, second.ExitCode);
        string error = Assert.Single(second.Errors, l => l.Length > 0);
        Assert.Contains($"port {first.Port} is already in use", error);
    }

    [Fact]
    public void NetcatTalksToEveryEchoServer()
    {
        Assert.SkipUnless(File.Exists("/usr/bin/nc"), "nc (netcat-openbsd) is not installed");
        foreach (var (model, prefix) in new[] { ("fork", "you send:"), ("iterative", "You Send:"), ("thread", ""), ("select", ""), ("spawn", "you send:") })
        {
            using var server = ServerProcess.Start("--model", model, "--prefix", prefix, "--quiet");
            // -N: shut down the sending side at the end of input; the server then closes and nc exits.
            var nc = ProgramRun.Of("/usr/bin/nc", ["-N", "127.0.0.1", server.Port.ToString()], "hello nc\n");
            Assert.Equal(0, nc.ExitCode);
            Assert.Equal([prefix + "hello nc"], nc.Output);
        }
    }

    [Fact]
    public void NetcatTalksToTheUdpEchoServer()
    {
        Assert.SkipUnless(File.Exists("/usr/bin/nc"), "nc (netcat-openbsd) is not installed");
        using var server = ServerProcess.Start("udp", "--quiet");
        var nc = ProgramRun.Of("/usr/bin/nc", ["-u", "-w", "1", "127.0.0.1", server.Port.ToString()], "datagram\n");
        Assert.Equal(["datagram"], nc.Output);
    }
}
