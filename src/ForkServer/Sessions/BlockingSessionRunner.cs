using System.Diagnostics;
using ForkServer.Protocols;

namespace ForkServer.Sessions;

/// <summary>
/// Drives one <see cref="ISession"/> over a connected socket with blocking recv and send only: what a forked child, a
/// prefork worker, a spawned child and a session thread run. Blocking calls keep a forked child free of the runtime's
/// async machinery (thread pool, epoll thread), which does not survive fork. Every wait is bounded: a receive by the
/// idle timeout (SO_RCVTIMEO), a send by the same time without progress (SO_SNDTIMEO), the whole session by
/// <see cref="SessionFactory.SessionTimeout"/> (the receive timeout shrinks as its deadline nears), so a silent
/// client, one that never reads, and one that sends a byte now and then all end. It allocates nothing.
/// </summary>
public static class BlockingSessionRunner
{
    /// <summary>
    /// Runs <paramref name="session"/>, made beforehand, reading into <paramref name="buffer"/> (one recv(2) takes at
    /// most its length): a forked child uses the ones its parent made. Generic over the connection so that a struct
    /// connection is called directly, neither boxed nor dispatched through an interface.
    /// </summary>
    public static SessionEnd Run<TConnection>(TConnection client, SessionFactory sessions, ISession session, byte[] buffer)
        where TConnection : IConnection
    {
        var idle = sessions.IdleTimeout;
        client.SetTimeouts(idle, idle);
        long deadline = sessions.SessionDeadline(Stopwatch.GetTimestamp());
        var receiveTimeout = idle;
        var reply = session.Open();
        if (Send(client, reply.Bytes.Span) is { } failed)
        {
            return failed;
        }
        if (reply.Close)
        {
            return SessionEnd.ServerClosed;
        }
        while (true)
        {
            if (deadline != long.MaxValue)
            {
                var remaining = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), deadline);
                if (remaining <= TimeSpan.Zero)
                {
                    client.Send(sessions.SessionNotice);
                    return SessionEnd.SessionTimeout;
                }
                if (remaining < receiveTimeout)
                {
                    receiveTimeout = remaining;
                    client.SetReceiveTimeout(remaining);
                }
            }
            int received = client.Receive(buffer);
            if (received == Connection.TimedOut)
            {
                if (Stopwatch.GetTimestamp() >= deadline)
                {
                    client.Send(sessions.SessionNotice);
                    return SessionEnd.SessionTimeout;
                }
                client.Send(sessions.IdleNotice);
                return SessionEnd.IdleTimeout;
            }
            if (received == Connection.Gone)
            {
                return SessionEnd.ClientVanished;
            }
            if (received == 0)
            {
                return SessionEnd.ClientClosed;
            }
            reply = session.Receive(buffer.AsSpan(0, received));
            if (Send(client, reply.Bytes.Span) is { } stopped)
            {
                return stopped;
            }
            if (reply.Close)
            {
                return SessionEnd.ServerClosed;
            }
        }
    }

    private static SessionEnd? Send<TConnection>(TConnection client, ReadOnlySpan<byte> bytes)
        where TConnection : IConnection
    {
        int sent = bytes.IsEmpty ? 0 : client.Send(bytes);
        return sent == 0 ? null : sent == Connection.TimedOut ? SessionEnd.ClientNotReading : SessionEnd.ClientVanished;
    }
}
