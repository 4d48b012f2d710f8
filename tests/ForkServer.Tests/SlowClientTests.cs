using System.Diagnostics;
using System.Net.Sockets;
using ForkServer.Tests.Support;

namespace ForkServer.Tests;

/// <summary>
/// Clients that hold a session without playing their part: one that sends and never reads its replies, one that sends
/// a byte now and then so that it is never idle. Every model bounds both, and serves others meanwhile.
/// </summary>
[Trait("Category", "Linux")]
[Trait("Category", "Reliability")]
public sealed class SlowClientTests
{
    public static TheoryData<string> Models => ["fork", "prefork", "spawn", "thread", "select", "iterative"];

    [Theory]
    [MemberData(nameof(Models))]
    public async Task AClientThatNeverReadsIsClosedWithinTwiceTheIdleTimeoutAndOthersAreServedMeanwhile(string model)
    {
        const int idle = 2;
        using var server = StartModel(model, "--idle-timeout", idle.ToString(), "--log", "json");
        using var stubborn = new TcpClientSession(server.Port);
        stubborn.Socket.SendTimeout = 1000;
        var clock = Stopwatch.StartNew();
        // It sends and sends and reads nothing: the replies fill both socket buffers, and the server's send stops.
        var flood = Task.Run(() => Flood(stubborn.Socket), TestContext.Current.CancellationToken);
        if (model != "iterative")
        {
            Thread.Sleep(500);
            BadInputTests.AssertStillServes(server);
        }
        // Twice the timeout, once the socket buffers are full: filling them (megabytes on loopback) takes seconds more on
        // a busy machine (7.1 s in all, seen in CI, for the spawn model).
        Assert.True(Wait.Until(() => server.Output.Any(IsNotReading), TimeSpan.FromSeconds(2 * idle + 6)),
            $"the client that never reads was not closed:\n{server.Transcript()}");
        Assert.InRange(clock.Elapsed.TotalSeconds, idle - 0.5, 2 * idle + 6);
        BadInputTests.AssertStillServes(server);
        await flood;
    }

    [Fact]
    public async Task TheSelectServerStopsOnSigtermWhileAClientNeverReads()
    {
        using var server = ServerProcess.Start("--model", "select", "--grace", "5");
        using var stubborn = new TcpClientSession(server.Port);
        stubborn.Socket.SendTimeout = 1000;
        var flood = Task.Run(() => Flood(stubborn.Socket), TestContext.Current.CancellationToken);
        Thread.Sleep(1000);
        var clock = Stopwatch.StartNew();
        server.Signal(ProcFs.SIGTERM);
        Assert.Equal(0, server.WaitForExit(TimeSpan.FromSeconds(10)));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"stopping took {clock.Elapsed.TotalSeconds:0.0} s");
        await flood;
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void ASessionThatTricklesABytePastTheSessionTimeoutIsEndedAndToldSo(string model)
    {
        using var server = StartModel(model, "--session-timeout", "5", "--prefix", "", "--log", "json");
        using var slow = new TcpClientSession(server.Port);
        var clock = Stopwatch.StartNew();
        var received = new List<byte>();
        var buffer = new byte[256];
        // One byte every 1.5 s: never idle for 300 s, so only the session's own limit can end it.
        var nextByte = TimeSpan.Zero;
        bool closed = false;
        while (!closed && clock.Elapsed < TimeSpan.FromSeconds(12))
        {
            if (clock.Elapsed >= nextByte)
            {
                try
                {
                    slow.Send("z");
                }
                catch (SocketException)
                {
                }
                nextByte += TimeSpan.FromSeconds(1.5);
            }
            var wait = nextByte - clock.Elapsed;
            if (wait > TimeSpan.Zero && slow.Socket.Poll(wait, SelectMode.SelectRead))
            {
                try
                {
                    int n = slow.Socket.Receive(buffer);
                    received.AddRange(buffer[..n]);
                    closed = n == 0;
                }
                catch (SocketException)
                {
                    closed = true;
                }
            }
        }
        Assert.InRange(clock.Elapsed.TotalSeconds, 4.5, 6.5);
        Assert.EndsWith("session limit of 5 s reached: closing the connection\n", System.Text.Encoding.UTF8.GetString([.. received]));
        Assert.True(Wait.Until(() => server.Output.Any(l => l.Contains("session limit of 5 s reached (--session-timeout)")), TimeSpan.FromSeconds(5)),
            server.Transcript());
    }

    private static bool IsNotReading(string line) => line.Contains("client not reading: a reply made no progress for 2 s");

    /// <summary>Sends without reading until the connection breaks or a send makes no progress for its timeout twice over.</summary>
    private static void Flood(Socket socket)
    {
        var chunk = new byte[64 * 1024];
        Array.Fill(chunk, (byte)'x');
        var stuck = Stopwatch.StartNew();
        while (stuck.Elapsed < TimeSpan.FromSeconds(15))
        {
            try
            {
                socket.Send(chunk);
                stuck.Restart();
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.TimedOut)
            {
            }
            catch (SocketException)
            {
                return;
            }
        }
    }

    private static ServerProcess StartModel(string model, params string[] more) =>
        ServerProcess.Start(model == "spawn" ? Build.Aot : Build.Jit, ["--model", model, .. ModelOptions.Workers(model, 2), .. more]);
}
