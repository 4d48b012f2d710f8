using System.Net;
using System.Net.Sockets;
using ForkServer.Tests.Support;

namespace ForkServer.Tests;

/// <summary>forkserver udp: each datagram comes back whole to its sender, and forkclient echo --udp talks to it.</summary>
[Trait("Category", "Linux")]
public sealed class UdpEchoTests
{
    [Fact]
    public void ThreeDatagramsComeBackAsThreeRepliesOfTheSameSizes()
    {
        using var server = ServerProcess.Start("udp", "--quiet");
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp) { ReceiveTimeout = 10_000 };
        socket.Connect(IPAddress.Loopback, server.Port);
        byte[][] sent = [[(byte)'a'], [.. Enumerable.Repeat((byte)'b', 100)], [.. Enumerable.Repeat((byte)'c', 1400)]];
        // All three go out before any reply is read: a byte stream would merge them, datagrams keep their edges.
        foreach (var datagram in sent)
        {
            socket.Send(datagram);
        }
        var buffer = new byte[65535];
        foreach (var datagram in sent)
        {
            int n = socket.Receive(buffer);
            Assert.Equal(datagram, buffer[..n]);
        }
    }

    /// <summary>
    /// A datagram from the server's own port, or from a port under 1024 (where system services such as echo and
    /// chargen answer whatever comes), is dropped with a line: its echo would come back to be echoed again, without
    /// end. The source port is forged with a raw socket, which takes root.
    /// </summary>
    [Fact]
    public void ADatagramWhoseEchoWouldComeBackForeverIsDroppedWithALine()
    {
        Assert.SkipUnless(ProcFs.IsRoot, "forging a source port takes a raw socket, and so root");
        using var server = ServerProcess.Start("udp");
        using var raw = new Socket(AddressFamily.InterNetwork, SocketType.Raw, ProtocolType.Udp);
        foreach (int from in new[] { server.Port, 7 })
        {
            // A UDP header (source port, destination port, length, no checksum) and the data; the kernel adds the IP header.
            byte[] datagram = [(byte)(from >> 8), (byte)from, (byte)(server.Port >> 8), (byte)server.Port, 0, 12, 0, 0, .. "loop"u8];
            raw.SendTo(datagram, new IPEndPoint(IPAddress.Loopback, 0));
            server.WaitForLine(l => l.Contains($"dropped 4 bytes from 127.0.0.1:{from}"), TimeSpan.FromSeconds(10));
        }
        // And the server serves on.
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp) { ReceiveTimeout = 10_000 };
        client.Connect(IPAddress.Loopback, server.Port);
        client.Send("after"u8);
        var buffer = new byte[16];
        Assert.Equal("after"u8.ToArray(), buffer[..client.Receive(buffer)]);
        server.WaitForLine(l => l.Contains("echoed 5 bytes"), TimeSpan.FromSeconds(10));
        Assert.DoesNotContain(server.Output, l => l.Contains("echoed 4 bytes"));
    }

    [Fact]
    public void ForkclientEchoUdpPrintsEachReplyAsTheTutorialsUdpClientDoes()
    {
        using var server = ServerProcess.Start("udp", "--quiet");
        // The tutorial's prompt has no line ending, and an empty line is an empty datagram, echoed like any other.
        var run = ProgramRun.Client("hi\n\nthere\nq\n", "echo", "--udp", "--port", server.Port.ToString());
        Assert.Equal(0, run.ExitCode);
        const string prompt = "Type Something(q or Q to exit:)";
        Assert.Equal([prompt + "Received: hi", prompt + "Received: ", prompt + "Received: there", prompt], run.Output);
    }

    [Fact]
    public void ForkclientEchoUdpToAClosedPortIsOneLine()
    {
        int port = ClosedPort.Udp();
        var run = ProgramRun.Client("hi\n", "echo", "--udp", "--port", port.ToString());
        Assert.Equal(1, run.ExitCode);
        string error = Assert.Single(run.Errors, l => l.Length > 0);
        Assert.Contains($"no UDP server at 127.0.0.1:{port}", error);
    }

    [Fact]
    public void UdpPortInUseIsOneLineAndExitCode2()
    {
        using var first = ServerProcess.Start("udp", "--quiet");
        var second = ProgramRun.Of(Binaries.Server, ["udp", "--port", first.Port.ToString()]);
        Assert.Equal(2, second.ExitCode);
        string error = Assert.Single(second.Errors, l => l.Length > 0);
        Assert.Contains($"port {first.Port} is already in use", error);
        Assert.Contains("ss -lunp", error);
    }
}
