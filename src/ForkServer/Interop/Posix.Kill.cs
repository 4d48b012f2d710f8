using System.Runtime.InteropServices;
using Tmds.Linux;

namespace ForkServer.Interop;

public static partial class Posix
{
    /// <summary>kill(2). Returns false when the process no longer exists (ESRCH); other failures throw.</summary>
    public static bool Kill(int pid, int signal)
    {
        if (LibC.kill(pid, signal) == 0)
        {
            return true;
        }
        int errno = Marshal.GetLastPInvokeError();
        if (errno == LibC.ESRCH)
        {
            return false;
        }
        throw new PosixException("kill", errno);
    }
}
