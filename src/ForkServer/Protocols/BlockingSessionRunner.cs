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
    public static SessionEnd Run(Socket client, SessionFactory sessions) =>
        Run(new SocketConnection(client), sessions, sessions.Create(), new byte[sessions.MaxMessage]);

    /// <summary>
    /// Runs a session made beforehand, reading into <paramref name="buffer"/> (one recv(2) takes at most its length):
    /// a forked child uses the ones its parent made, so that it allocates nothing. Generic over the connection so
    /// that a struct connection is called directly, neither boxed nor dispatched through an interface.
    /// </summary>
    public static SessionEnd Run<TConnection>(TConnection client, SessionFactory sessions, ISession session, byte[] buffer)
        where TConnection : IConnection
    {
        client.SetIdleTimeout(sessions.IdleTimeout);
        var reply = session.Open();
        client.Send(reply.Bytes.Span);
        if (reply.Close)
        {
            return SessionEnd.ServerClosed;
        }
        while (true)
        {
            int received = client.Receive(buffer);
            if (received < 0)
            {
                client.Send(sessions.IdleNotice);
                return SessionEnd.IdleTimeout;
            }
            if (received == 0)
            {
                return SessionEnd.ClientClosed;
            }
            reply = session.Receive(buffer.AsSpan(0, received));
            client.Send(reply.Bytes.Span);
            if (reply.Close)
            {
                return SessionEnd.ServerClosed;
            }
        }
    }
}
