using System.Runtime.InteropServices;
using Mono.Unix.Native;
using Tmds.Linux;

namespace ForkServer.Interop;

public static partial class Posix
{
    /// <summary>waitpid(2) found no child in that state yet (only with <c>noHang</c>).</summary>
    public const int NoChildReady = 0;

    /// <summary>waitpid(2) failed with ECHILD: the caller has no children left to wait for.</summary>
    public const int NoChildren = -1;

    /// <summary>
    /// waitpid(2), through Mono.Posix. Returns the pid it reaped, <see cref="NoChildReady"/> or
    /// <see cref="NoChildren"/>. With <paramref name="noHang"/> (WNOHANG) it never blocks, which is what lets one
    /// loop reap every finished child no matter how many SIGCHLDs the kernel merged into one.
    /// </summary>
    public static int WaitPid(int pid, bool noHang, out WaitStatus status)
    {
        var options = noHang ? WaitOptions.WNOHANG : 0;
        while (true)
        {
            int result = Syscall.waitpid(pid, out int raw, options);
            status = new WaitStatus(raw);
            if (result >= 0)
            {
                return result;
            }
            int errno = Marshal.GetLastPInvokeError();
            if (errno == LibC.EINTR)
            {
                continue;
            }
            if (errno == LibC.ECHILD)
            {
                return NoChildren;
            }
            throw new PosixException("waitpid", errno);
        }
    }
}
