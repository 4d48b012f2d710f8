using System.Runtime.InteropServices;
using Tmds.Linux;

namespace ForkServer.Interop;

public static partial class Posix
{
    /// <summary>
    /// accept4(2) on a listening socket that poll said is readable: returns the connected socket, which blocks
    /// whatever the listening socket's flags, and the client's address; -1 when that client gave up before it was
    /// taken (EAGAIN, ECONNABORTED). EINTR is retried. It allocates nothing, so the forking parent writes no page
    /// of its heap per client (each page it writes after a fork is copied once).
    /// </summary>
    public static unsafe int Accept(int listenFd, out PeerAddress peer)
    {
        byte* address = stackalloc byte[PeerAddress.MaxLength];
        while (true)
        {
            socklen_t length = PeerAddress.MaxLength;
            int fd = LibC.accept4(listenFd, (sockaddr*)address, &length, 0);
            if (fd >= 0)
            {
                peer = PeerAddress.Decode(new ReadOnlySpan<byte>(address, (int)(uint)length));
                return fd;
            }
            int errno = Marshal.GetLastPInvokeError();
            if (errno == LibC.EINTR)
            {
                continue;
            }
            peer = default;
            if (errno == LibC.EAGAIN || errno == LibC.ECONNABORTED)
            {
                return -1;
            }
            throw new PosixException("accept4", errno);
        }
    }
}
