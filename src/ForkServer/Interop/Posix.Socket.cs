using Tmds.Linux;

namespace ForkServer.Interop;

public static partial class Posix
{
    /// <summary>socket(2) for TCP or UDP over IPv4 or IPv6, close-on-exec, blocking unless <paramref name="nonBlocking"/>.</summary>
    public static int Socket(bool ipv6, bool udp, bool nonBlocking)
    {
        int type = (udp ? LibC.SOCK_DGRAM : LibC.SOCK_STREAM) | LibC.SOCK_CLOEXEC | (nonBlocking ? LibC.SOCK_NONBLOCK : 0);
        int fd = LibC.socket(ipv6 ? PeerAddress.AF_INET6 : PeerAddress.AF_INET, type, 0);
        return fd >= 0 ? fd : Failed("socket", Errno.EMFILE, Errno.ENFILE, Errno.EAFNOSUPPORT);
    }

    /// <summary>bind(2): 0, or -EADDRINUSE, -EACCES, -EADDRNOTAVAIL or -EINVAL, which the caller explains to the user.</summary>
    public static unsafe int Bind(int fd, PeerAddress address)
    {
        byte* sockaddr = stackalloc byte[PeerAddress.MaxLength];
        int length = address.Encode(new Span<byte>(sockaddr, PeerAddress.MaxLength));
        return LibC.bind(fd, (sockaddr*)sockaddr, (uint)length) == 0
            ? 0
            : Failed("bind", Errno.EADDRINUSE, Errno.EACCES, Errno.EADDRNOTAVAIL, Errno.EINVAL, Errno.EAFNOSUPPORT);
    }

    /// <summary>listen(2) with a backlog the kernel caps at net.core.somaxconn; -EADDRINUSE if the port was taken meanwhile.</summary>
    public static int Listen(int fd, int backlog) =>
        LibC.listen(fd, backlog) == 0 ? 0 : Failed("listen", Errno.EADDRINUSE);

    /// <summary>connect(2) of a blocking socket: 0, or -ECONNREFUSED.</summary>
    public static unsafe int Connect(int fd, PeerAddress address)
    {
        byte* sockaddr = stackalloc byte[PeerAddress.MaxLength];
        int length = address.Encode(new Span<byte>(sockaddr, PeerAddress.MaxLength));
        while (LibC.connect(fd, (sockaddr*)sockaddr, (uint)length) != 0)
        {
            if (!Interrupted())
            {
                return Failed("connect", Errno.ECONNREFUSED);
            }
        }
        return 0;
    }

    /// <summary>getsockname(2): the address a socket is bound to (the port the kernel chose for port 0).</summary>
    public static unsafe PeerAddress LocalAddress(int fd)
    {
        byte* sockaddr = stackalloc byte[PeerAddress.MaxLength];
        socklen_t length = PeerAddress.MaxLength;
        if (LibC.getsockname(fd, (sockaddr*)sockaddr, &length) != 0)
        {
            Failed("getsockname");
        }
        return PeerAddress.Decode(new ReadOnlySpan<byte>(sockaddr, (int)(uint)length));
    }

    /// <summary>
    /// shutdown(2) of both directions: a thread blocked in recv on it returns 0 at once, one blocked in send gets EPIPE.
    /// 0, or -ENOTCONN when the peer had already gone.
    /// </summary>
    public static int ShutdownBoth(int fd) =>
        LibC.shutdown(fd, LibC.SHUT_RDWR) == 0 ? 0 : Failed("shutdown", Errno.ENOTCONN);

    /// <summary>shutdown(2) of the sending side: the peer reads end of file.</summary>
    public static int ShutdownSend(int fd) =>
        LibC.shutdown(fd, LibC.SHUT_WR) == 0 ? 0 : Failed("shutdown", Errno.ENOTCONN);
}
