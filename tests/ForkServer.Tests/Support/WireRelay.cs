using System.Net;
using System.Net.Sockets;
using System.Text;

namespace ForkServer.Tests.Support;

/// <summary>
/// A TCP relay a client talks to instead of the server: it forwards every byte both ways and keeps what went in each
/// direction, so a test can compare the bytes on the wire with the tutorial's. One connection is relayed at a time,
/// as the tutorial's clients make one.
/// </summary>
public sealed class WireRelay : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly MemoryStream _toServer = new();
    private readonly MemoryStream _toClient = new();
    private readonly Task _relaying;

    public WireRelay(int serverPort)
    {
        _listener.Start();
        _relaying = Task.Run(async () =>
        {
            using var client = await _listener.AcceptTcpClientAsync();
            using var server = new TcpClient();
            await server.ConnectAsync(IPAddress.Loopback, serverPort);
            await Task.WhenAll(Pump(client, server, _toServer), Pump(server, client, _toClient));
        });
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>What the client sent and what the server sent, once both sides have closed (or the timeout is over).</summary>
    public (string ToServer, string ToClient) Bytes(TimeSpan timeout)
    {
        if (!_relaying.Wait(timeout))
        {
            throw new TimeoutException($"the relayed connection did not close within {timeout.TotalSeconds} s");
        }
        lock (_toServer)
        {
            return (Encoding.UTF8.GetString(_toServer.ToArray()), Encoding.UTF8.GetString(_toClient.ToArray()));
        }
    }

    private async Task Pump(TcpClient from, TcpClient to, MemoryStream record)
    {
        var buffer = new byte[64 * 1024];
        var input = from.GetStream();
        var output = to.GetStream();
        try
        {
            int n;
            while ((n = await input.ReadAsync(buffer)) > 0)
            {
                lock (_toServer)
                {
                    record.Write(buffer, 0, n);
                }
                await output.WriteAsync(buffer.AsMemory(0, n));
            }
            to.Client.Shutdown(SocketShutdown.Send);
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
        {
            // A reset ends this direction as a close does: the bytes that came before it are what the test compares.
            try { to.Client.Shutdown(SocketShutdown.Both); } catch (SocketException) { }
        }
    }

    public void Dispose() => _listener.Stop();
}
