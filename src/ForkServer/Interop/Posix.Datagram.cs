using Tmds.Linux;

namespace ForkServer.Interop;

public static partial class Posix
{
    /// <summary>
    /// recvfrom(2) of one datagram, whole if <paramref name="buffer"/> holds 65 535 bytes: its length and sender; -EAGAIN
    /// when a non-blocking socket has none, -ECONNREFUSED when an earlier reply drew an ICMP "port unreachable".
    /// </summary>
    public static unsafe int ReceiveFrom(int fd, Span<byte> buffer, out PeerAddress sender)
    {
        byte* address = stackalloc byte[PeerAddress.MaxLength];
        while (true)
        {
            socklen_t length = PeerAddress.MaxLength;
            long n;
            fixed (byte* p = buffer)
            {
                n = LibC.recvfrom(fd, p, (size_t)(ulong)buffer.Length, 0, (sockaddr*)address, &length);
            }
            if (n >= 0)
            {
                sender = PeerAddress.Decode(new ReadOnlySpan<byte>(address, (int)(uint)length));
                return (int)n;
            }
            sender = default;
            if (!Interrupted())
            {
                return Failed("recvfrom", Errno.EAGAIN, Errno.ECONNREFUSED);
            }
        }
    }

    /// <summary>sendto(2) of one datagram: the bytes sent, or -EAGAIN, -ENOBUFS or -ECONNREFUSED (the datagram is lost).</summary>
    public static unsafe int SendTo(int fd, ReadOnlySpan<byte> datagram, PeerAddress to)
    {
        byte* address = stackalloc byte[PeerAddress.MaxLength];
        int length = to.Encode(new Span<byte>(address, PeerAddress.MaxLength));
        while (true)
        {
            long n;
            fixed (byte* p = datagram)
            {
                n = LibC.sendto(fd, p, (size_t)(ulong)datagram.Length, 0, (sockaddr*)address, (uint)length);
            }
            if (n >= 0)
            {
                return (int)n;
            }
            if (!Interrupted())
            {
                return Failed("sendto", Errno.EAGAIN, Errno.ENOBUFS, Errno.ECONNREFUSED);
            }
        }
    }
}
