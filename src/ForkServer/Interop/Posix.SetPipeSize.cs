using Tmds.Linux;

namespace ForkServer.Interop;

public static partial class Posix
{
    /// <summary>
    /// fcntl(F_SETPIPE_SZ): asks the kernel to hold up to <paramref name="bytes"/> in the pipe behind <paramref name="fd"/>
    /// (64 KiB by default). Returns the size it gave, or -EPERM or -EBUSY when it would not (over
    /// /proc/sys/fs/pipe-max-size, or more is queued than fits).
    /// </summary>
    public static int SetPipeSize(int fd, int bytes)
    {
        int size = LibC.fcntl(fd, LibC.F_SETPIPE_SZ, bytes);
        return size >= 0 ? size : Failed("fcntl", Errno.EPERM, Errno.EBUSY);
    }
}
