using Tmds.Linux;

namespace ForkServer.Interop;

public static partial class Posix
{
    /// <summary>
    /// setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, timeout): a blocking recv(2) that waits longer fails with EAGAIN, so
    /// a silent client costs its child nothing while it waits, and no timer is needed.
    /// </summary>
    public static unsafe void SetReceiveTimeout(int socketFd, TimeSpan timeout)
    {
        // struct timeval: seconds and microseconds, each a long on 64-bit Linux.
        long* timeval = stackalloc long[2];
        timeval[0] = (long)timeout.TotalSeconds;
        timeval[1] = timeout.Microseconds + timeout.Milliseconds * 1000L;
        if (LibC.setsockopt(socketFd, LibC.SOL_SOCKET, LibC.SO_RCVTIMEO, timeval, 2 * sizeof(long)) != 0)
        {
            throw PosixException.FromLastError("setsockopt");
        }
    }
}
