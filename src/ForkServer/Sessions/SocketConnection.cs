using System.Net.Sockets;

namespace ForkServer.Sessions;

/// <summary>A blocking .NET <see cref="Socket"/> as an <see cref="IConnection"/>: where there is no libc (Windows).</summary>
public readonly struct SocketConnection(Socket socket) : IConnection
{
    public int Receive(Span<byte> buffer)
    {
        int n = socket.Receive(buffer, SocketFlags.None, out var error);
        return error == SocketError.Success ? n : error == SocketError.TimedOut ? Connection.TimedOut : Connection.Gone;
    }

    public int Send(ReadOnlySpan<byte> bytes)
    {
        while (!bytes.IsEmpty)
        {
            int n = socket.Send(bytes, SocketFlags.None, out var error);
            if (error != SocketError.Success)
            {
                return error == SocketError.TimedOut ? Connection.TimedOut : Connection.Gone;
            }
            bytes = bytes[n..];
        }
        return 0;
    }

    public void SetTimeouts(TimeSpan receive, TimeSpan send)
    {
        SetReceiveTimeout(receive);
        socket.SendTimeout = Milliseconds(send);
    }

    public void SetReceiveTimeout(TimeSpan receive) => socket.ReceiveTimeout = Milliseconds(receive);

    // At least a millisecond: 0 means no timeout at all.
    private static int Milliseconds(TimeSpan time) => (int)Math.Clamp(Math.Ceiling(time.TotalMilliseconds), 1, int.MaxValue);
}
