using System.Net.Sockets;
using System.Text;
using ForkServer.Tests.Support;

namespace ForkServer.Tests;

/// <summary>
/// Input a careless or hostile client sends. Each case checks the bytes that come back, then that the server still
/// serves a fresh client. With <c>--prefix ""</c> the echo stream must equal what was sent, byte for byte, however
/// TCP splits it.
/// </summary>
[Trait("Category", "Linux")]
[Trait("Category", "Reliability")]
public sealed class BadInputTests
{
    [Fact]
    public void GarbageNulBytesAndInvalidUtf8AreEchoedByteExact()
    {
        using var server = ServerProcess.Start("--prefix", "");
        var random = new Random(7);
        byte[] garbage = new byte[48 * 1024];
        random.NextBytes(garbage);
        byte[][] payloads =
        [
            [.. garbage.Where(b => b is not (byte)'q' and not (byte)'Q')],
            new byte[4096],
            [0xC3, 0x28, 0xA0, 0xA1, 0xE2, 0x28, 0xA1, 0xF0, 0x28, 0x8C, 0xBC, 0xFF, 0xFE, 0xFD],
        ];
        foreach (byte[] payload in payloads)
        {
            using var client = new TcpClientSession(server.Port);
            client.Send(payload);
            Assert.Equal(payload, client.ReceiveExactly(payload.Length));
        }
        AssertStillServes(server, prefix: "");
        Figures.Record("garbage", "random binary, NUL bytes, invalid UTF-8: echoed byte-exact",
            new Dictionary<string, object> { ["payloads"] = payloads.Length, ["bytes"] = payloads.Sum(p => p.Length), ["errors"] = 0 });
    }

    [Fact]
    public async Task TenMegabytesComeBackWhole()
    {
        using var server = ServerProcess.Start("--prefix", "", "--log", "json");
        using var client = new TcpClientSession(server.Port);
        byte[] payload = new byte[10 * 1024 * 1024];
        new Random(10).NextBytes(payload);
        // Send from another thread while this one reads: the server echoes as it goes, never holding it all.
        var sender = Task.Run(() => client.Send(payload), TestContext.Current.CancellationToken);
        byte[] echoed = client.ReceiveExactly(payload.Length);
        await sender;
        Assert.True(payload.AsSpan().SequenceEqual(echoed), "the 10 MB echo differs");
        AssertStillServes(server, prefix: "");
        Figures.Record("10mb", "a 10 MB payload, echoed while it is sent",
            new Dictionary<string, object> { ["bytes"] = payload.Length, ["errors"] = 0 });
    }

    [Fact]
    public void OneByteWritesAreEchoedInOrder()
    {
        using var server = ServerProcess.Start("--prefix", "");
        using var client = new TcpClientSession(server.Port);
        byte[] message = Encoding.UTF8.GetBytes("one byte at a time, in order");
        foreach (byte b in message)
        {
            client.Send([b]);
        }
        Assert.Equal(message, client.ReceiveExactly(message.Length));
        AssertStillServes(server, prefix: "");
        Figures.Record("1-byte-writes", "a message sent in 1-byte writes",
            new Dictionary<string, object> { ["writes"] = message.Length, ["errors"] = 0 });
    }

    [Fact]
    public void HalfCloseGetsItsReplyThenAnOrderlyClose()
    {
        using var server = ServerProcess.Start();
        using var client = new TcpClientSession(server.Port);
        client.Send("last words");
        client.Socket.Shutdown(SocketShutdown.Send);
        Assert.Equal("you send:last words", Encoding.UTF8.GetString(client.ReceiveToEnd()));
        server.WaitForLine(l => l.Contains("exited with status 0") && l.Contains("reaped"), TimeSpan.FromSeconds(5));
        AssertStillServes(server);
        Figures.Record("half-close", "client shuts down its sending side: reply, then EOF",
            new Dictionary<string, object> { ["errors"] = 0 });
    }

    [Fact]
    public void ResetMidReplyEndsOnlyThatChild()
    {
        using var server = ServerProcess.Start();
        using (var client = new TcpClientSession(server.Port))
        {
            // A reply far larger than the socket buffers, never read, then a reset (linger 0 closes with RST).
            var big = new byte[4 * 1024 * 1024];
            Array.Fill(big, (byte)'x');
            client.Socket.SendTimeout = 2000;
            try
            {
                client.Send(big);
            }
            catch (SocketException)
            {
                // The server stopped reading while its replies piled up: expected, the point is the reset below.
            }
            client.Socket.LingerState = new LingerOption(true, 0);
        }
        // The child says how its session ended by its exit status; the parent puts it in words when it reaps it.
        server.WaitForLine(l => l.Contains("exited with status 6 (client went away mid-session)") && l.Contains("reaped"), TimeSpan.FromSeconds(10));
        AssertStillServes(server);
        Figures.Record("reset", "client resets the connection while the reply is being sent",
            new Dictionary<string, object> { ["errors"] = 0 });
    }

    [Fact]
    public void IdleClientIsToldSoAndDisconnected()
    {
        using var server = ServerProcess.Start("--idle-timeout", "1");
        using var client = new TcpClientSession(server.Port);
        Assert.Equal("idle for 1 s: closing the connection\n", Encoding.UTF8.GetString(client.ReceiveToEnd()));
        server.WaitForLine(l => l.Contains("exited with status 3 (idle for 1 s)") && l.Contains("reaped"), TimeSpan.FromSeconds(5));
        AssertStillServes(server);
    }

    /// <summary>Whatever came before, a new client gets its echo.</summary>
    internal static void AssertStillServes(ServerProcess server, string prefix = "you send:")
    {
        using var fresh = new TcpClientSession(server.Port);
        Assert.Equal(prefix + "fresh", fresh.Exchange("fresh", prefix + "fresh"));
    }
}
