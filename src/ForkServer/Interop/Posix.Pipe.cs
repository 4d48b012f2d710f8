using Tmds.Linux;

namespace ForkServer.Interop;

public static partial class Posix
{
    /// <summary>pipe2(2) with O_CLOEXEC and O_NONBLOCK: a self-pipe whose writer never blocks in a hurry.</summary>
    public static unsafe (int ReadFd, int WriteFd) Pipe()
    {
        int* fds = stackalloc int[2];
        if (LibC.pipe2(fds, LibC.O_CLOEXEC | LibC.O_NONBLOCK) != 0)
        {
            Failed("pipe2");
        }
        return (fds[0], fds[1]);
    }
}
