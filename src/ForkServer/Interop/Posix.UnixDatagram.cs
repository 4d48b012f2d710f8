using System.Text;
using Tmds.Linux;

namespace ForkServer.Interop;

public static partial class Posix
{
    private const int AF_UNIX = 1;
    private const int SunPathLength = 108;

    /// <summary>
    /// Sends <paramref name="message"/> as one datagram to the unix socket at <paramref name="address"/> (a path, or
    /// an abstract name written with a leading '@'), from a socket made and closed for it: what sd_notify(3) does.
    /// 0, or -errno for any failure: the caller says it and carries on.
    /// </summary>
    public static unsafe int SendUnixDatagram(string address, ReadOnlySpan<byte> message)
    {
        byte[] path = Encoding.UTF8.GetBytes(address);
        if (path.Length == 0 || path.Length >= SunPathLength)
        {
            return -Errno.ENAMETOOLONG;
        }
        // struct sockaddr_un: the family, then the path, NUL-terminated; an abstract name starts with a NUL instead
        // and is exactly as long as it is.
        byte* sockaddr = stackalloc byte[2 + SunPathLength];
        new Span<byte>(sockaddr, 2 + SunPathLength).Clear();
        *(ushort*)sockaddr = AF_UNIX;
        path.CopyTo(new Span<byte>(sockaddr + 2, SunPathLength));
        bool isAbstract = path[0] == (byte)'@';
        if (isAbstract)
        {
            sockaddr[2] = 0;
        }
        uint length = (uint)(2 + path.Length + (isAbstract ? 0 : 1));
        int fd = LibC.socket(AF_UNIX, LibC.SOCK_DGRAM | LibC.SOCK_CLOEXEC, 0);
        if (fd < 0)
        {
            return -System.Runtime.InteropServices.Marshal.GetLastPInvokeError();
        }
        long sent;
        fixed (byte* bytes = message)
        {
            sent = LibC.sendto(fd, bytes, (size_t)(ulong)message.Length, LibC.MSG_NOSIGNAL, (sockaddr*)sockaddr, length);
        }
        int errno = sent < 0 ? System.Runtime.InteropServices.Marshal.GetLastPInvokeError() : 0;
        LibC.close(fd);
        return -errno;
    }
}
