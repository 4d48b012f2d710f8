using Tmds.Linux;

namespace ForkServer.Interop;

public static partial class Posix
{
    /// <summary>socketpair(2) of AF_UNIX stream sockets, close-on-exec: a channel to a child that can carry descriptors.</summary>
    public static unsafe (int Ours, int Theirs) SocketPair()
    {
        int* fds = stackalloc int[2];
        if (LibC.socketpair(LibC.AF_UNIX, LibC.SOCK_STREAM | LibC.SOCK_CLOEXEC, 0, fds) != 0)
        {
            Failed("socketpair");
        }
        return (fds[0], fds[1]);
    }
}
