using Tmds.Linux;

namespace ForkServer.Interop;

public static partial class Posix
{
    /// <summary>
    /// socketpair(2) of AF_UNIX stream sockets, close-on-exec: a channel to a child that can carry descriptors. When
    /// descriptors or memory run out, Ours is the negated errno (EMFILE, ENFILE, ENOMEM) and Theirs is -1.
    /// </summary>
    public static unsafe (int Ours, int Theirs) SocketPair()
    {
        int* fds = stackalloc int[2];
        if (LibC.socketpair(LibC.AF_UNIX, LibC.SOCK_STREAM | LibC.SOCK_CLOEXEC, 0, fds) != 0)
        {
            return (Failed("socketpair", Errno.EMFILE, Errno.ENFILE, Errno.ENOMEM), -1);
        }
        return (fds[0], fds[1]);
    }
}
