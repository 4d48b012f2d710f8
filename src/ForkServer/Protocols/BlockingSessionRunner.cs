using System.Net.Sockets;

namespace ForkServer.Protocols;

/// <summary>
/// Drives one <see cref="ISession"/> over a connected socket with blocking recv/send only: what a forked child, a
/// thread or the iterative loop runs. Blocking calls keep a forked child free of the runtime's async machinery
/// (thread pool, epoll thread), which does not survive fork. The idle timeout is SO_RCVTIMEO, so a silent client
/// costs nothing while it waits.
/// </summary>
public static class BlockingSessionRunner
{
    public static SessionEnd Run(Socket client, SessionFactory sessions)
    {
        var session = sessions.Create();
        client.ReceiveTimeout = (int)Math.Min(int.MaxValue, sessions.IdleTimeout.TotalMilliseconds);
        var reply = session.Open();
        Send(client, reply.Bytes.Span);
        if (reply.Close)
        {
            return SessionEnd.ServerClosed;
        }
        var buffer = new byte[sessions.MaxMessage];
        while (true)
        {
            int received;
            try
            {
                received = client.Receive(buffer);
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.TimedOut)
            {
                Send(client, sessions.IdleNotice());
                return SessionEnd.IdleTimeout;
            }
            if (received == 0)
            {
                return SessionEnd.ClientClosed;
            }
            reply = session.Receive(buffer.AsSpan(0, received));
            Send(client, reply.Bytes.Span);
            if (reply.Close)
            {
                return SessionEnd.ServerClosed;
            }
        }
    }

    private static void Send(Socket client, ReadOnlySpan<byte> bytes)
    {
        while (!bytes.IsEmpty)
        {
            bytes = bytes[client.Send(bytes)..];
        }
    }
}
