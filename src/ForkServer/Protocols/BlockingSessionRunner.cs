using System.Net.Sockets;

namespace ForkServer.Protocols;

/// <summary>
/// Drives one <see cref="ISession"/> over a connected socket with blocking recv/send only: what a forked child, a
/// thread or the iterative loop runs. Blocking calls keep a forked child free of the runtime's async machinery
/// (thread pool, epoll thread), which does not survive fork.
/// </summary>
public static class BlockingSessionRunner
{
    public static SessionEnd Run(Socket client, ISession session, int maxMessage) =>
        Run(client, session, new byte[maxMessage]);

    /// <summary>Runs the session reading into <paramref name="buffer"/>: one recv(2) takes at most its length.</summary>
    public static SessionEnd Run(Socket client, ISession session, byte[] buffer)
    {
        var reply = session.Open();
        Send(client, reply);
        if (reply.Close)
        {
            return SessionEnd.ServerClosed;
        }
        while (true)
        {
            int received = client.Receive(buffer);
            if (received == 0)
            {
                return SessionEnd.ClientClosed;
            }
            reply = session.Receive(buffer.AsSpan(0, received));
            Send(client, reply);
            if (reply.Close)
            {
                return SessionEnd.ServerClosed;
            }
        }
    }

    private static void Send(Socket client, Reply reply)
    {
        var bytes = reply.Bytes.Span;
        while (!bytes.IsEmpty)
        {
            bytes = bytes[client.Send(bytes)..];
        }
    }
}
