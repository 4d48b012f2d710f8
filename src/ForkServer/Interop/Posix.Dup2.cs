using Tmds.Linux;

namespace ForkServer.Interop;

public static partial class Posix
{
    private const int F_DUPFD_CLOEXEC = 1030;

    /// <summary>dup2(2): <paramref name="newFd"/> becomes a copy of <paramref name="oldFd"/>, without FD_CLOEXEC.</summary>
    public static void Dup2(int oldFd, int newFd)
    {
        while (LibC.dup2(oldFd, newFd) < 0)
        {
            if (!Interrupted())
            {
                Failed("dup2");
            }
        }
    }

    /// <summary>
    /// fcntl(F_DUPFD_CLOEXEC): a close-on-exec copy of <paramref name="fd"/> at the lowest free descriptor from
    /// <paramref name="lowest"/> up, or -EMFILE when there is none under the limit (the kernel says EINVAL when
    /// <paramref name="lowest"/> itself is not under it: the same want of descriptors, told as such).
    /// </summary>
    public static int DuplicateAbove(int fd, int lowest)
    {
        int copy = LibC.fcntl(fd, F_DUPFD_CLOEXEC, lowest);
        if (copy >= 0)
        {
            return copy;
        }
        Failed("fcntl", Errno.EMFILE, Errno.EINVAL);
        return -Errno.EMFILE;
    }
}
