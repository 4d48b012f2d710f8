using Tmds.Linux;

namespace ForkServer.Interop;

public static partial class Posix
{
    /// <summary>kill(2): 0, or -ESRCH when the process no longer exists.</summary>
    public static int Kill(int pid, int signal) =>
        LibC.kill(pid, signal) == 0 ? 0 : Failed("kill", Errno.ESRCH);
}
