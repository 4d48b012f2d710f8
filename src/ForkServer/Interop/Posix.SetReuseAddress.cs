using Tmds.Linux;

namespace ForkServer.Interop;

public static partial class Posix
{
    /// <summary>
    /// setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, 1): a restarted server may bind while old connections sit in
    /// TIME_WAIT. Called directly because .NET's ReuseAddress option also sets SO_REUSEPORT on Linux, which would
    /// let a second server bind the same port instead of being told it is in use.
    /// </summary>
    public static unsafe void SetReuseAddress(int socketFd)
    {
        int on = 1;
        if (LibC.setsockopt(socketFd, LibC.SOL_SOCKET, LibC.SO_REUSEADDR, &on, sizeof(int)) != 0)
        {
            throw PosixException.FromLastError("setsockopt");
        }
    }
}
