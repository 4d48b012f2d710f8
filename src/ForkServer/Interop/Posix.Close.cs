using Tmds.Linux;

namespace ForkServer.Interop;

public static partial class Posix
{
    /// <summary>close(2). EINTR is not retried: on Linux the descriptor is released either way.</summary>
    public static void Close(int fd)
    {
        if (LibC.close(fd) != 0 && !Interrupted())
        {
            Failed("close");
        }
    }
}
