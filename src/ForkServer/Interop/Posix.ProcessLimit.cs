using System.Runtime.InteropServices;
using System.Runtime.Versioning;

namespace ForkServer.Interop;

[SupportedOSPlatform("linux")]
public static partial class Posix
{
    private const int RLIMIT_NPROC = 6;

    /// <summary>
    /// setrlimit(RLIMIT_NPROC): lowers the soft limit on the processes (threads count too) the real user may have;
    /// fork(2) fails with EAGAIN at the limit. Root is exempt. The hard limit stays.
    /// </summary>
    public static unsafe void SetProcessLimit(long soft)
    {
        ulong* limit = stackalloc ulong[2];
        if (getrlimit(RLIMIT_NPROC, limit) != 0)
        {
            Failed("getrlimit");
        }
        limit[0] = (ulong)Math.Min(soft, (long)Math.Min(limit[1], long.MaxValue));
        if (setrlimit(RLIMIT_NPROC, limit) != 0)
        {
            Failed("setrlimit");
        }
    }

    [DllImport(Libc, SetLastError = true)]
    private static extern unsafe int setrlimit(int resource, ulong* limit);
}
