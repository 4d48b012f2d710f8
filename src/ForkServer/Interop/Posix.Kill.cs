using Tmds.Linux;

namespace ForkServer.Interop;

public static partial class Posix
{
    /// <summary>kill(2): 0, or -ESRCH when the process no longer exists.</summary>
    public static int Kill(int pid, int signal) =>
        LibC.kill(pid, signal) == 0 ? 0 : Failed("kill", Errno.ESRCH);

    /// <summary>
    /// kill(2) with a signal that asks a process to end, then SIGCONT unless it was SIGKILL: a stopped process keeps
    /// SIGTERM pending until it is continued (systemd sends SIGCONT after its stop signal too). 0, or -ESRCH.
    /// </summary>
    public static int KillAndContinue(int pid, int signal)
    {
        int sent = Kill(pid, signal);
        if (sent == 0 && signal != Signals.SIGKILL)
        {
            Kill(pid, Signals.SIGCONT);
        }
        return sent;
    }
}
