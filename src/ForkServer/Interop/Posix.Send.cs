using Tmds.Linux;

namespace ForkServer.Interop;

public static partial class Posix
{
    /// <summary>
    /// send(2) with MSG_NOSIGNAL, so a peer that is gone is -EPIPE and never a SIGPIPE: the bytes sent (maybe fewer than
    /// asked), or -EAGAIN when SO_SNDTIMEO ran out with nothing sent (or a non-blocking socket is full), -EPIPE,
    /// -ECONNRESET or -ETIMEDOUT when the peer is gone. <paramref name="dontWait"/> adds MSG_DONTWAIT, non-blocking for
    /// this call only.
    /// </summary>
    public static unsafe int Send(int socketFd, ReadOnlySpan<byte> bytes, bool dontWait = false)
    {
        int flags = LibC.MSG_NOSIGNAL | (dontWait ? LibC.MSG_DONTWAIT : 0);
        while (true)
        {
            long n;
            fixed (byte* p = bytes)
            {
                n = LibC.send(socketFd, p, (size_t)(ulong)bytes.Length, flags);
            }
            if (n >= 0)
            {
                return (int)n;
            }
            if (!Interrupted())
            {
                return Failed("send", Errno.EAGAIN, Errno.EPIPE, Errno.ECONNRESET, Errno.ETIMEDOUT);
            }
        }
    }
}
