using Tmds.Linux;

namespace ForkServer.Interop;

public static partial class Posix
{
    /// <summary>
    /// accept4(2) with SOCK_CLOEXEC: the connected socket, which blocks whatever the listening socket's flags unless
    /// <paramref name="nonBlocking"/> (SOCK_NONBLOCK), and the client's address. Returns -EAGAIN or -ECONNABORTED when the client gave up before it was taken, and -EMFILE,
    /// -ENFILE, -ENOBUFS or -ENOMEM when the process or the system is out of descriptors or memory. It allocates
    /// nothing, so the forking parent writes no page of its heap per client (each page it writes after a fork is
    /// copied once).
    /// </summary>
    public static unsafe int Accept(int listenFd, out PeerAddress peer, bool nonBlocking = false)
    {
        byte* address = stackalloc byte[PeerAddress.MaxLength];
        while (true)
        {
            socklen_t length = PeerAddress.MaxLength;
            int fd = LibC.accept4(listenFd, (sockaddr*)address, &length, LibC.SOCK_CLOEXEC | (nonBlocking ? LibC.SOCK_NONBLOCK : 0));
            if (fd >= 0)
            {
                peer = PeerAddress.Decode(new ReadOnlySpan<byte>(address, (int)(uint)length));
                return fd;
            }
            peer = default;
            if (!Interrupted())
            {
                return Failed("accept4", Errno.EAGAIN, Errno.ECONNABORTED, Errno.EPROTO, Errno.EPERM,
                    Errno.EMFILE, Errno.ENFILE, Errno.ENOBUFS, Errno.ENOMEM);
            }
        }
    }
}
