using Tmds.Linux;

namespace ForkServer.Interop;

public static partial class Posix
{
    private const int SO_ACCEPTCONN = 30;
    private const int F_GETFL = 3;
    private const int F_SETFL = 4;
    private const int F_SETFD = 2;
    private const int FD_CLOEXEC = 1;
    private const int O_NONBLOCK = 0x800;

    /// <summary>
    /// For a descriptor the server was given rather than made (socket activation): whether it is a socket that
    /// listens (getsockopt SO_ACCEPTCONN); false for a closed descriptor, a file, or a socket that does not listen.
    /// </summary>
    public static unsafe bool IsListeningSocket(int fd)
    {
        int listening = 0;
        socklen_t length = sizeof(int);
        return LibC.getsockopt(fd, LibC.SOL_SOCKET, SO_ACCEPTCONN, &listening, &length) == 0 && listening != 0;
    }

    /// <summary>
    /// Makes an inherited descriptor what the server's own sockets are: close-on-exec (so programs it runs do not
    /// inherit it), and blocking or not as its model needs (fcntl F_SETFD, F_SETFL).
    /// </summary>
    public static void AdoptDescriptor(int fd, bool nonBlocking)
    {
        int flags = LibC.fcntl(fd, F_GETFL, 0);
        if (flags < 0 || LibC.fcntl(fd, F_SETFL, nonBlocking ? flags | O_NONBLOCK : flags & ~O_NONBLOCK) != 0
            || LibC.fcntl(fd, F_SETFD, FD_CLOEXEC) != 0)
        {
            Failed("fcntl");
        }
    }
}
