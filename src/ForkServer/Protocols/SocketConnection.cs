using System.Net.Sockets;

namespace ForkServer.Protocols;

/// <summary>A blocking .NET <see cref="Socket"/> as an <see cref="IConnection"/>.</summary>
public readonly struct SocketConnection(Socket socket) : IConnection
{
    public int Receive(Span<byte> buffer)
    {
        try
        {
            return socket.Receive(buffer);
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.TimedOut)
        {
            return -1;
        }
    }

    public void Send(ReadOnlySpan<byte> bytes)
    {
        while (!bytes.IsEmpty)
        {
            bytes = bytes[socket.Send(bytes)..];
        }
    }

    public void SetIdleTimeout(TimeSpan timeout) =>
        socket.ReceiveTimeout = (int)Math.Min(int.MaxValue, timeout.TotalMilliseconds);
}
