using System.Runtime.InteropServices;

namespace ForkServer.Interop;

public static partial class Posix
{
    /// <summary>
    /// waitpid(2): the pid it reaped, 0 when <paramref name="noHang"/> (WNOHANG) found no child finished yet, or -ECHILD
    /// when there is no such child at all. WNOHANG is what lets one loop reap every finished child, however many
    /// SIGCHLDs the kernel merged into one.
    /// </summary>
    public static unsafe int WaitPid(int pid, bool noHang, out WaitStatus status)
    {
        int raw = 0;
        while (true)
        {
            int result = waitpid(pid, &raw, noHang ? WNOHANG : 0);
            status = new WaitStatus(raw);
            if (result >= 0)
            {
                return result;
            }
            if (!Interrupted())
            {
                return Failed("waitpid", Errno.ECHILD);
            }
        }
    }

    [DllImport(Libc, SetLastError = true)]
    private static extern unsafe int waitpid(int pid, int* status, int options);
}
