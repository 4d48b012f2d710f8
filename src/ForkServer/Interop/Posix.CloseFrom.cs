using System.Runtime.InteropServices;
using Tmds.Linux;

namespace ForkServer.Interop;

public static partial class Posix
{
    private const int SYS_close_range = 436;

    /// <summary>
    /// Closes every descriptor from <paramref name="first"/> up: close_range(2) (Linux 5.9), or where the kernel lacks
    /// it one close(2) per number up to the descriptor limit. For a child about to exec another program, which must hold
    /// only what it is given.
    /// </summary>
    public static unsafe void CloseFrom(int first)
    {
        if (syscall(SYS_close_range, (uint)first, uint.MaxValue, 0) == 0)
        {
            return;
        }
        // struct rlimit: the soft limit, then the hard one.
        ulong* limit = stackalloc ulong[2];
        long highest = getrlimit(RLIMIT_NOFILE, limit) == 0 ? (long)Math.Min(limit[0], 1 << 20) : 65536;
        for (int fd = first; fd < highest; fd++)
        {
            LibC.close(fd);
        }
    }

    private const int RLIMIT_NOFILE = 7;

    [DllImport(Libc, SetLastError = true)]
    private static extern unsafe int getrlimit(int resource, ulong* limit);

    [DllImport(Libc, SetLastError = true)]
    private static extern long syscall(long number, uint first, uint last, uint flags);
}
