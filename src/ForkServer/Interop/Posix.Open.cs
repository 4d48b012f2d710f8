using System.Text;
using Tmds.Linux;

namespace ForkServer.Interop;

public static partial class Posix
{
    /// <summary>
    /// open(2) of <paramref name="path"/> for writing, close-on-exec, non-blocking if asked: the descriptor, or -ENXIO
    /// (a FIFO with no reader), -EACCES, -ENOENT, -ENOTDIR, or -EMFILE when the process has no descriptor left.
    /// </summary>
    public static int OpenForWriting(string path, bool nonBlocking) =>
        Open(path, LibC.O_WRONLY | LibC.O_CLOEXEC | LibC.O_NOCTTY | (nonBlocking ? LibC.O_NONBLOCK : 0),
            Errno.ENXIO, Errno.EACCES, Errno.ENOENT, Errno.ENOTDIR, Errno.EPERM, Errno.EMFILE);

    /// <summary>
    /// open(2) of <paramref name="path"/> for writing, created if absent (mode 0666 less the umask) and emptied if not,
    /// close-on-exec and non-blocking (a FIFO nobody reads fails with ENXIO rather than waiting for a reader): the
    /// descriptor, or the negated errno of a path that cannot be written (-ENOENT, -EACCES, -ENOTDIR, -EISDIR, -EROFS,
    /// -ENOSPC, -EDQUOT, -ELOOP, -ENAMETOOLONG, -EPERM, -ENXIO).
    /// </summary>
    public static int Create(string path) =>
        Open(path, LibC.O_WRONLY | LibC.O_CREAT | LibC.O_TRUNC | LibC.O_CLOEXEC | LibC.O_NOCTTY | LibC.O_NONBLOCK,
            Errno.ENOENT, Errno.EACCES, Errno.ENOTDIR, Errno.EISDIR, Errno.EROFS, Errno.ENOSPC, Errno.EDQUOT, Errno.ELOOP,
            Errno.ENAMETOOLONG, Errno.EPERM, Errno.ENXIO);

    // 0666: what the file gets when open creates it, less the umask.
    private const int ReadWriteForAll = 0x1b6;

    private static unsafe int Open(string path, int flags, params ReadOnlySpan<int> expected)
    {
        byte[] name = Encoding.UTF8.GetBytes(path + "\0");
        while (true)
        {
            int fd;
            fixed (byte* p = name)
            {
                fd = LibC.open(p, flags, ReadWriteForAll);
            }
            if (fd >= 0)
            {
                return fd;
            }
            if (!Interrupted())
            {
                return Failed("open", expected);
            }
        }
    }
}
