using System.Runtime.InteropServices;

namespace ForkServer.Interop;

public static partial class Posix
{
    private const int PR_SET_CHILD_SUBREAPER = 36;

    /// <summary>
    /// prctl(PR_SET_CHILD_SUBREAPER, 1): from now on an orphan below this process (a grandchild whose parent
    /// exited) is re-parented to this process instead of to PID 1, and must be reaped here.
    /// </summary>
    public static void SetChildSubreaper()
    {
        if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0)
        {
            throw PosixException.FromLastError("prctl");
        }
    }

    // Neither Tmds.LibC nor Mono.Posix declares prctl(2).
    [LibraryImport("libc", SetLastError = true)]
    private static partial int prctl(int option, nuint arg2, nuint arg3, nuint arg4, nuint arg5);
}
