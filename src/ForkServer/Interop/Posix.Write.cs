using Tmds.Linux;

namespace ForkServer.Interop;

public static partial class Posix
{
    /// <summary>
    /// write(2) once: the bytes written (maybe fewer than asked). Every failure of the output itself comes back as -errno
    /// (EAGAIN when a non-blocking descriptor is full, EPIPE when its reader is gone, EBADF when it was closed, EIO,
    /// ENOSPC, EDQUOT, EFBIG, ENXIO): the event log must never stop the server because its output failed.
    /// </summary>
    public static unsafe int Write(int fd, ReadOnlySpan<byte> bytes)
    {
        while (true)
        {
            long n;
            fixed (byte* p = bytes)
            {
                n = LibC.write(fd, p, (size_t)(ulong)bytes.Length);
            }
            if (n >= 0)
            {
                return (int)n;
            }
            if (!Interrupted())
            {
                return Failed("write", Errno.EAGAIN, Errno.EPIPE, Errno.EBADF, Errno.EIO, Errno.ENOSPC, Errno.EDQUOT,
                    Errno.EFBIG, Errno.ENXIO, Errno.ECONNRESET, Errno.EINVAL);
            }
        }
    }
}
