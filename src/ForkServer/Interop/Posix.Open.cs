using System.Text;
using Tmds.Linux;

namespace ForkServer.Interop;

public static partial class Posix
{
    /// <summary>
    /// open(2) of <paramref name="path"/> for writing, close-on-exec, non-blocking if asked: the descriptor, or -ENXIO
    /// (a FIFO with no reader), -EACCES, -ENOENT or -ENOTDIR.
    /// </summary>
    public static unsafe int OpenForWriting(string path, bool nonBlocking)
    {
        byte[] name = Encoding.UTF8.GetBytes(path + "\0");
        int flags = LibC.O_WRONLY | LibC.O_CLOEXEC | LibC.O_NOCTTY | (nonBlocking ? LibC.O_NONBLOCK : 0);
        while (true)
        {
            int fd;
            fixed (byte* p = name)
            {
                fd = LibC.open(p, flags, 0);
            }
            if (fd >= 0)
            {
                return fd;
            }
            if (!Interrupted())
            {
                return Failed("open", Errno.ENXIO, Errno.EACCES, Errno.ENOENT, Errno.ENOTDIR, Errno.EPERM);
            }
        }
    }
}
