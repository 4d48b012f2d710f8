using Tmds.Linux;

namespace ForkServer.Interop;

public static partial class Posix
{
    // One byte goes with the descriptor: a stream socket carries no ancillary data without data.
    private const byte HandoverByte = (byte)'!';

    /// <summary>
    /// sendmsg(2) of <paramref name="descriptor"/> over the AF_UNIX socket <paramref name="channel"/> (SCM_RIGHTS): the
    /// receiver gets its own descriptor of the same open socket. 0, or -EPIPE or -ECONNRESET when the receiver is gone.
    /// </summary>
    public static unsafe int SendDescriptor(int channel, int descriptor)
    {
        byte data = HandoverByte;
        int controlLength = LibC.CMSG_SPACE(sizeof(int));
        byte* control = stackalloc byte[controlLength];
        new Span<byte>(control, controlLength).Clear();
        var vector = new iovec { iov_base = &data, iov_len = 1 };
        var message = new msghdr { msg_iov = &vector, msg_iovlen = 1, msg_control = control, msg_controllen = (socklen_t)(uint)controlLength };
        cmsghdr* header = LibC.CMSG_FIRSTHDR(&message);
        header->cmsg_level = LibC.SOL_SOCKET;
        header->cmsg_type = LibC.SCM_RIGHTS;
        header->cmsg_len = (socklen_t)(uint)(LibC.CMSG_ALIGN(sizeof(cmsghdr)) + sizeof(int)); // CMSG_LEN
        *(int*)LibC.CMSG_DATA(header) = descriptor;
        while (LibC.sendmsg(channel, &message, LibC.MSG_NOSIGNAL) < 0)
        {
            if (!Interrupted())
            {
                return Failed("sendmsg", Errno.EPIPE, Errno.ECONNRESET);
            }
        }
        return 0;
    }

    /// <summary>
    /// recvmsg(2) of a descriptor <see cref="SendDescriptor"/> sent over <paramref name="channel"/>, made close-on-exec:
    /// the descriptor, or 0 when the sender closed the channel with none sent (a descriptor is never 0 here: standard
    /// input is open).
    /// </summary>
    public static unsafe int ReceiveDescriptor(int channel)
    {
        byte data = 0;
        int controlLength = LibC.CMSG_SPACE(sizeof(int));
        byte* control = stackalloc byte[controlLength];
        new Span<byte>(control, controlLength).Clear();
        var vector = new iovec { iov_base = &data, iov_len = 1 };
        var message = new msghdr { msg_iov = &vector, msg_iovlen = 1, msg_control = control, msg_controllen = (socklen_t)(uint)controlLength };
        long n;
        while ((n = LibC.recvmsg(channel, &message, LibC.MSG_CMSG_CLOEXEC)) < 0)
        {
            if (!Interrupted())
            {
                Failed("recvmsg");
            }
        }
        cmsghdr* header = LibC.CMSG_FIRSTHDR(&message);
        if (n == 0 || header == null || header->cmsg_level != LibC.SOL_SOCKET || header->cmsg_type != LibC.SCM_RIGHTS)
        {
            return 0;
        }
        return *(int*)LibC.CMSG_DATA(header);
    }
}
