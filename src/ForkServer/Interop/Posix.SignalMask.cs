using Tmds.Linux;

namespace ForkServer.Interop;

public static partial class Posix
{
    /// <summary>
    /// sigprocmask(SIG_BLOCK): adds <paramref name="signals"/> to this thread's blocked set; returns the set that was
    /// blocked before. Threads started afterwards inherit the mask, and so does a program this one execs.
    /// </summary>
    public static unsafe SignalSet BlockSignals(SignalSet signals) => ChangeMask(LibC.SIG_BLOCK, signals);

    /// <summary>sigprocmask(SIG_SETMASK): blocks exactly <paramref name="signals"/>; returns what was blocked before.</summary>
    public static unsafe SignalSet SetSignalMask(SignalSet signals) => ChangeMask(LibC.SIG_SETMASK, signals);

    /// <summary>The signals this thread blocks now (sigprocmask with no new set).</summary>
    public static unsafe SignalSet BlockedSignals()
    {
        sigset_t old;
        if (LibC.sigprocmask(LibC.SIG_BLOCK, null, &old) != 0)
        {
            Failed("sigprocmask");
        }
        return SignalSet.From(&old);
    }

    private static unsafe SignalSet ChangeMask(int how, SignalSet signals)
    {
        sigset_t set;
        sigset_t old;
        signals.CopyTo(&set);
        if (LibC.sigprocmask(how, &set, &old) != 0)
        {
            Failed("sigprocmask");
        }
        return SignalSet.From(&old);
    }
}
