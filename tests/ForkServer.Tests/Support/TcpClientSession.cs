using System.Net;
using System.Net.Sockets;
using System.Text;

namespace ForkServer.Tests.Support;

/// <summary>A blocking loopback client with timeouts, so a server that never answers fails the test instead of hanging it.</summary>
public sealed class TcpClientSession : IDisposable
{
    private readonly Socket _socket;

    /// <param name="from">The local address to connect from (another source for per-IP limits: any 127.x.y.z is loopback).</param>
    public TcpClientSession(int port, string host = "127.0.0.1", string? from = null)
    {
        var address = IPAddress.Parse(host);
        _socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp)
        {
            ReceiveTimeout = 10_000,
            SendTimeout = 10_000,
            NoDelay = true,
        };
        if (from is not null)
        {
            _socket.Bind(new IPEndPoint(IPAddress.Parse(from), 0));
        }
        _socket.Connect(address, port);
    }

    public Socket Socket => _socket;

    /// <summary>"127.0.0.1:PORT" as the server's log names this client.</summary>
    public string LocalAddress => ((IPEndPoint)_socket.LocalEndPoint!).ToString();

    public void Send(string text) => Send(Encoding.UTF8.GetBytes(text));

    public void Send(ReadOnlySpan<byte> bytes)
    {
        while (!bytes.IsEmpty)
        {
            bytes = bytes[_socket.Send(bytes)..];
        }
    }

    /// <summary>Reads exactly <paramref name="count"/> bytes (or fewer if the server closes first).</summary>
    public byte[] ReceiveExactly(int count)
    {
        var buffer = new byte[count];
        int got = 0;
        while (got < count)
        {
            int n = _socket.Receive(buffer, got, count - got, SocketFlags.None);
            if (n == 0)
            {
                break;
            }
            got += n;
        }
        return buffer[..got];
    }

    public string ReceiveText(int count) => Encoding.UTF8.GetString(ReceiveExactly(count));

    /// <summary>Sends one message and reads the reply of the expected length.</summary>
    public string Exchange(string message, string expectedReply) => Exchange(message, Encoding.UTF8.GetByteCount(expectedReply));

    public string Exchange(string message, int replyLength)
    {
        Send(message);
        return ReceiveText(replyLength);
    }

    /// <summary>Everything the server sends until it closes the connection.</summary>
    public byte[] ReceiveToEnd()
    {
        using var all = new MemoryStream();
        var buffer = new byte[64 * 1024];
        int n;
        while ((n = _socket.Receive(buffer)) > 0)
        {
            all.Write(buffer, 0, n);
        }
        return all.ToArray();
    }

    /// <summary>True when the server has closed its side (the next receive returns 0 bytes).</summary>
    public bool ServerClosed() => _socket.Receive(new byte[1]) == 0;

    public void Dispose() => _socket.Dispose();
}
