using Tmds.Linux;

namespace ForkServer.Interop;

public static partial class Posix
{
    /// <summary>
    /// read(2) of a pipe, terminal or file: the byte count (0 at end of file), or -EAGAIN when a non-blocking descriptor
    /// has nothing yet.
    /// </summary>
    public static unsafe int Read(int fd, Span<byte> buffer)
    {
        while (true)
        {
            long n;
            fixed (byte* p = buffer)
            {
                n = LibC.read(fd, p, (size_t)(ulong)buffer.Length);
            }
            if (n >= 0)
            {
                return (int)n;
            }
            if (!Interrupted())
            {
                return Failed("read", Errno.EAGAIN);
            }
        }
    }
}
