using System.Runtime.InteropServices;

namespace ForkServer.Interop;

public static partial class Posix
{
    /// <summary>
    /// setpgid(2): moves process <paramref name="pid"/> (0: this one) into group <paramref name="group"/> (0: a new
    /// group led by it). Returns 0, or -EINVAL for a group below 0 (the rehearsal's call, which changes nothing), or,
    /// asked by a parent, -EACCES when the child has exec'd already (and set its group itself) and -ESRCH when it is gone.
    /// </summary>
    public static int SetProcessGroup(int pid, int group) =>
        setpgid(pid, group) == 0 ? 0 : Failed("setpgid", Errno.EINVAL, Errno.EACCES, Errno.ESRCH);

    [DllImport(Libc, SetLastError = true)]
    private static extern int setpgid(int pid, int pgid);
}
