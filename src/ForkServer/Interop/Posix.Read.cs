using System.Runtime.InteropServices;
using Tmds.Linux;

namespace ForkServer.Interop;

public static partial class Posix
{
    /// <summary>
    /// read(2) into <paramref name="buffer"/>. Returns the byte count (0 at end of file), or -1 when a non-blocking
    /// descriptor has nothing to read (EAGAIN). EINTR is retried.
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
            int errno = Marshal.GetLastPInvokeError();
            if (errno == LibC.EINTR)
            {
                continue;
            }
            if (errno == LibC.EAGAIN)
            {
                return -1;
            }
            throw new PosixException("read", errno);
        }
    }
}
