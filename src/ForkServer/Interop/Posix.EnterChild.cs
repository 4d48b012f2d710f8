using Tmds.Linux;

namespace ForkServer.Interop;

public static partial class Posix
{
    private const int FirstRealTimeSignal = 34;
    private const int LastRealTimeSignal = 64;

    /// <summary>
    /// The system calls a child makes right after fork(2), in this order (Supervision/ChildStart.cs says why):
    /// every signal disposition back to SIG_DFL except <see cref="ChildAttributes.Ignored"/>; the parent-death
    /// signal; a check that the parent is still <paramref name="parent"/> (it may have died before the signal was
    /// set), for a child that has one; the process name; last, an empty signal mask, so that a signal that came meanwhile acts by default.
    /// Returns 0, or -ESRCH when the parent is gone already and the child must exit.
    /// <para>
    /// With <paramref name="rehearsal"/> the parent makes the same calls with arguments that only ask and change
    /// nothing, so that under the JIT every piece of this path is compiled and bound before the first fork.
    /// </para>
    /// </summary>
    public static unsafe int EnterChild(ChildAttributes child, int parent, bool rehearsal)
    {
        sigaction byDefault = default;
        byDefault.sa_handler = LibC.SIG_DFL;
        LibC.sigemptyset(&byDefault.sa_mask);
        sigaction ignore = byDefault;
        ignore.sa_handler = LibC.SIG_IGN;
        sigaction old;
        for (int signal = 1; signal <= LastRealTimeSignal; signal++)
        {
            if (signal is Signals.SIGKILL or Signals.SIGSTOP || signal is > Signals.LastStandard and < FirstRealTimeSignal)
            {
                continue;
            }
            // Every value is worked out on both paths, so that the rehearsal runs (and compiles) all of it.
            sigaction* chosen = child.Ignored.Contains(signal) ? &ignore : &byDefault;
            sigaction* action = rehearsal ? null : chosen;
            if (LibC.sigaction(signal, action, &old) != 0)
            {
                Failed("sigaction");
            }
        }

        int deathSignal = child.ParentDeathSignal;
        int current = 0;
        int failed = rehearsal
            ? prctl(PR_GET_PDEATHSIG, (nuint)(&current), 0, 0, 0)
            : prctl(PR_SET_PDEATHSIG, (nuint)deathSignal, 0, 0, 0);
        if (failed != 0)
        {
            Failed("prctl");
        }
        if (LibC.getppid() != parent && deathSignal != 0 && !rehearsal)
        {
            return -Errno.ESRCH;
        }

        byte* scratch = stackalloc byte[NameLength + 1];
        fixed (byte* name = child.Name)
        {
            if (prctl(rehearsal ? PR_GET_NAME : PR_SET_NAME, (nuint)(rehearsal ? scratch : name), 0, 0, 0) != 0)
            {
                Failed("prctl");
            }
        }

        sigset_t none;
        LibC.sigemptyset(&none);
        sigset_t before;
        if (LibC.sigprocmask(LibC.SIG_SETMASK, rehearsal ? null : &none, &before) != 0)
        {
            Failed("sigprocmask");
        }
        return 0;
    }
}
