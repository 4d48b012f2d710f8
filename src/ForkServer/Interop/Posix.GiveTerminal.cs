using System.Runtime.InteropServices;

namespace ForkServer.Interop;

public static partial class Posix
{
    /// <summary>
    /// tcsetpgrp(3): makes <paramref name="group"/> the foreground process group of the terminal on
    /// <paramref name="fd"/>, the one the terminal's reads, writes and Ctrl-C belong to. Returns 0, or -ENOTTY, -ENXIO,
    /// -EBADF, -EPERM, -EINVAL when there is no terminal there or it is another session's: the caller goes on without.
    /// </summary>
    public static int GiveTerminal(int fd, int group) =>
        tcsetpgrp(fd, group) == 0 ? 0 : Failed("tcsetpgrp", Errno.ENOTTY, Errno.ENXIO, Errno.EBADF, Errno.EPERM, Errno.EINVAL);

    /// <summary>tcgetpgrp(3): the foreground process group of the terminal on <paramref name="fd"/>, or -ENOTTY, -EBADF, -ENXIO.</summary>
    public static int ForegroundGroup(int fd)
    {
        int group = tcgetpgrp(fd);
        return group >= 0 ? group : Failed("tcgetpgrp", Errno.ENOTTY, Errno.EBADF, Errno.ENXIO);
    }

    /// <summary>getpgrp(2): this process's group.</summary>
    public static int ProcessGroup() => getpgrp();

    [DllImport(Libc, SetLastError = true)]
    private static extern int tcsetpgrp(int fd, int pgrp);

    [DllImport(Libc, SetLastError = true)]
    private static extern int tcgetpgrp(int fd);

    [DllImport(Libc)]
    private static extern int getpgrp();
}
