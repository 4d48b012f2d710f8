using Tmds.Linux;

namespace ForkServer.Interop;

public static partial class Posix
{
    /// <summary>
    /// dup(2): a second descriptor for the same open file. The copy never has FD_CLOEXEC, so a program started with
    /// exec inherits it under the same number, which is how the spawn model hands a client's socket to its child.
    /// </summary>
    public static int Dup(int fd)
    {
        int copy = LibC.dup(fd);
        if (copy < 0)
        {
            throw PosixException.FromLastError("dup");
        }
        return copy;
    }
}
