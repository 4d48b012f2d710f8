using Tmds.Linux;

namespace ForkServer.Interop;

public static partial class Posix
{
    /// <summary>
    /// recv(2) of a connected socket: the byte count, 0 once the peer closed its side; -EAGAIN when SO_RCVTIMEO ran out
    /// (or a non-blocking socket has nothing), -ECONNRESET or -ETIMEDOUT when the peer is gone.
    /// </summary>
    public static unsafe int Receive(int socketFd, Span<byte> buffer)
    {
        while (true)
        {
            long n;
            fixed (byte* p = buffer)
            {
                n = LibC.recv(socketFd, p, (size_t)(ulong)buffer.Length, 0);
            }
            if (n >= 0)
            {
                return (int)n;
            }
            if (!Interrupted())
            {
                return Failed("recv", Errno.EAGAIN, Errno.ECONNRESET, Errno.ETIMEDOUT);
            }
        }
    }
}
