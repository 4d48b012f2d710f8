using System.Runtime.Versioning;
using ForkServer.Interop;

namespace ForkServer.Sessions;

/// <summary>
/// A connected socket's bare descriptor as an <see cref="IConnection"/>: recv(2), send(2) with MSG_NOSIGNAL (a client
/// that is gone is EPIPE, never a SIGPIPE), and SO_RCVTIMEO and SO_SNDTIMEO, whose expiry makes a call fail with EAGAIN.
/// A socket accepted from a listener that carries the idle timeouts (<see cref="SessionFactory.ListenerTimeouts"/>,
/// <paramref name="inheritedTimeouts"/>) has them already: the session's two setsockopt calls are skipped, and the
/// same code runs either way (a warm-up, on a listener of its own, sets them), so a forked child compiles nothing new.
/// </summary>
[SupportedOSPlatform("linux")]
public readonly struct DescriptorConnection(int fd, bool inheritedTimeouts) : IConnection
{
    public int Receive(Span<byte> buffer)
    {
        int n = Posix.Receive(fd, buffer);
        return n >= 0 ? n : n == -Errno.EAGAIN ? Connection.TimedOut : Connection.Gone;
    }

    public int Send(ReadOnlySpan<byte> bytes)
    {
        while (!bytes.IsEmpty)
        {
            int n = Posix.Send(fd, bytes);
            if (n < 0)
            {
                return n == -Errno.EAGAIN ? Connection.TimedOut : Connection.Gone;
            }
            bytes = bytes[n..];
        }
        return 0;
    }

    // Through SetReceiveTimeout, so that the warm-up compiles it too: a session near its deadline calls it in a child.
    public void SetTimeouts(TimeSpan receive, TimeSpan send)
    {
        if (inheritedTimeouts)
        {
            return;
        }
        SetReceiveTimeout(receive);
        Posix.SetSendTimeout(fd, send);
    }

    public void SetReceiveTimeout(TimeSpan receive) => Posix.SetReceiveTimeout(fd, receive);
}
