using Tmds.Linux;

namespace ForkServer.Interop;

public static partial class Posix
{
    /// <summary>
    /// SO_REUSEADDR: a restarted server may bind while old connections sit in TIME_WAIT. Set directly because .NET's
    /// ReuseAddress option also sets SO_REUSEPORT on Linux, which would let a second server bind the same port instead
    /// of being told it is in use.
    /// </summary>
    public static void SetReuseAddress(int socketFd) => SetIntOption(socketFd, LibC.SOL_SOCKET, LibC.SO_REUSEADDR, 1);

    /// <summary>SO_REUSEPORT: several servers that all ask for it share one port, and the kernel spreads clients among them.</summary>
    public static void SetReusePort(int socketFd) => SetIntOption(socketFd, LibC.SOL_SOCKET, LibC.SO_REUSEPORT, 1);

    /// <summary>IPV6_V6ONLY: false lets an IPv6 socket bound to :: take IPv4 clients too (as ::ffff:a.b.c.d).</summary>
    public static void SetIPv6Only(int socketFd, bool only) => SetIntOption(socketFd, LibC.IPPROTO_IPV6, LibC.IPV6_V6ONLY, only ? 1 : 0);

    /// <summary>
    /// SO_RCVTIMEO: a blocking recv that waits longer fails with EAGAIN, so a silent client costs its child nothing
    /// while it waits, and no timer is needed. At least a microsecond: {0, 0} would mean no timeout at all.
    /// </summary>
    public static void SetReceiveTimeout(int socketFd, TimeSpan timeout) => SetTimeout(socketFd, LibC.SO_RCVTIMEO, timeout);

    /// <summary>SO_SNDTIMEO: a blocking send that makes no progress for this long returns what it sent, or EAGAIN.</summary>
    public static void SetSendTimeout(int socketFd, TimeSpan timeout) => SetTimeout(socketFd, LibC.SO_SNDTIMEO, timeout);

    private static unsafe void SetTimeout(int socketFd, int option, TimeSpan timeout)
    {
        // struct timeval: seconds and microseconds, each a long on 64-bit Linux.
        long microseconds = Math.Max(1, (long)Math.Min(timeout.TotalMicroseconds, long.MaxValue / 2));
        long* timeval = stackalloc long[2];
        timeval[0] = microseconds / 1_000_000;
        timeval[1] = microseconds % 1_000_000;
        if (LibC.setsockopt(socketFd, LibC.SOL_SOCKET, option, timeval, 2 * sizeof(long)) != 0)
        {
            Failed("setsockopt");
        }
    }

    private static unsafe void SetIntOption(int socketFd, int level, int option, int value)
    {
        if (LibC.setsockopt(socketFd, level, option, &value, sizeof(int)) != 0)
        {
            Failed("setsockopt");
        }
    }
}
