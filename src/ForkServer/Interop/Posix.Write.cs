using System.Runtime.InteropServices;
using Tmds.Linux;

namespace ForkServer.Interop;

public static partial class Posix
{
    /// <summary>
    /// write(2) of the whole buffer, retrying EINTR and short writes. Returns false when a non-blocking descriptor
    /// is full (EAGAIN) before anything was written.
    /// </summary>
    public static unsafe bool Write(int fd, ReadOnlySpan<byte> buffer)
    {
        while (!buffer.IsEmpty)
        {
            long n;
            fixed (byte* p = buffer)
            {
                n = LibC.write(fd, p, (size_t)(ulong)buffer.Length);
            }
            if (n >= 0)
            {
                buffer = buffer[(int)n..];
                continue;
            }
            int errno = Marshal.GetLastPInvokeError();
            if (errno == LibC.EINTR)
            {
                continue;
            }
            if (errno == LibC.EAGAIN)
            {
                return false;
            }
            throw new PosixException("write", errno);
        }
        return true;
    }
}
