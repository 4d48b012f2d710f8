using System.Runtime.InteropServices;

namespace ForkServer.Interop;

public static partial class Posix
{
    private const int PR_SET_PDEATHSIG = 1;
    private const int PR_GET_PDEATHSIG = 2;
    private const int PR_SET_NAME = 15;
    private const int PR_GET_NAME = 16;
    private const int PR_SET_CHILD_SUBREAPER = 36;

    /// <summary>The kernel's limit on a process name (comm), without its terminating NUL.</summary>
    public const int NameLength = 15;

    /// <summary>
    /// prctl(PR_SET_CHILD_SUBREAPER, 1): from now on an orphan below this process (a grandchild whose parent
    /// exited) is re-parented to this process instead of to PID 1, and must be reaped here.
    /// </summary>
    public static void SetChildSubreaper()
    {
        if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0)
        {
            Failed("prctl");
        }
    }

    /// <summary>
    /// prctl(PR_SET_PDEATHSIG): the kernel sends <paramref name="signal"/> to this process when the thread that forked
    /// it ends (here, always the parent's main thread, so: when the parent dies). Survives execve.
    /// </summary>
    public static void SetParentDeathSignal(int signal)
    {
        if (prctl(PR_SET_PDEATHSIG, (nuint)signal, 0, 0, 0) != 0)
        {
            Failed("prctl");
        }
    }

    /// <summary>prctl(PR_GET_PDEATHSIG): the parent-death signal set for this process, 0 for none.</summary>
    public static unsafe int ParentDeathSignal()
    {
        int signal = 0;
        if (prctl(PR_GET_PDEATHSIG, (nuint)(&signal), 0, 0, 0) != 0)
        {
            Failed("prctl");
        }
        return signal;
    }

    /// <summary>
    /// prctl(PR_SET_NAME): the process's name as <c>ps -o comm</c>, <c>top</c> and /proc/PID/comm show it, at most
    /// <see cref="NameLength"/> bytes of <paramref name="nulTerminated"/>. Made by the caller beforehand, so a child
    /// allocates nothing.
    /// </summary>
    public static unsafe void SetName(ReadOnlySpan<byte> nulTerminated)
    {
        fixed (byte* name = nulTerminated)
        {
            if (prctl(PR_SET_NAME, (nuint)name, 0, 0, 0) != 0)
            {
                Failed("prctl");
            }
        }
    }

    /// <summary>prctl(PR_GET_NAME) into <paramref name="name"/> (16 bytes): the process's name, NUL-terminated.</summary>
    public static unsafe void GetName(Span<byte> name)
    {
        fixed (byte* buffer = name)
        {
            if (prctl(PR_GET_NAME, (nuint)buffer, 0, 0, 0) != 0)
            {
                Failed("prctl");
            }
        }
    }

    // Neither Tmds.LibC nor Mono.Posix declares prctl(2).
    [DllImport(Libc, SetLastError = true)]
    private static extern int prctl(int option, nuint arg2, nuint arg3, nuint arg4, nuint arg5);
}
