using Tmds.Linux;

namespace ForkServer.Interop;

public static partial class Posix
{
    private const int FirstRealTimeSignal = 34;
    private const int LastRealTimeSignal = 64;

    private static SignalSet AllSettable()
    {
        var all = default(SignalSet);
        for (int signal = 1; signal <= LastRealTimeSignal; signal++)
        {
            if (signal is not (Signals.SIGKILL or Signals.SIGSTOP) && signal is <= Signals.LastStandard or >= FirstRealTimeSignal)
            {
                all = all.With(signal);
            }
        }
        return all;
    }

    /// <summary>Every signal whose disposition a process may set: all but SIGKILL, SIGSTOP and glibc's own two (32, 33).</summary>
    public static readonly SignalSet SettableSignals = AllSettable();

    /// <summary>
    /// sigaction(2) of every settable signal, asking only: those whose disposition is not SIG_DFL (a handler, the
    /// runtime's or ours, or SIG_IGN). Only those need a call in a child (<see cref="EnterChild"/>): fork keeps the
    /// others at SIG_DFL already, and a call per signal is 60 system calls per child.
    /// </summary>
    public static unsafe SignalSet NotAtDefault()
    {
        var found = default(SignalSet);
        for (var rest = SettableSignals; !rest.IsEmpty; rest = rest.Without(rest.First))
        {
            sigaction old;
            if (LibC.sigaction(rest.First, null, &old) != 0)
            {
                Failed("sigaction");
            }
            if (old.sa_handler != LibC.SIG_DFL)
            {
                found = found.With(rest.First);
            }
        }
        return found;
    }

    /// <summary>
    /// The system calls a child makes right after fork(2), in this order (Supervision/ChildStart.cs says why): the
    /// disposition of each signal of <paramref name="notAtDefault"/> (as <see cref="NotAtDefault"/> found them in the
    /// parent) and of <see cref="ChildAttributes.Ignored"/> set, to SIG_IGN for the latter and SIG_DFL for the rest;
    /// the parent-death signal; a check that the parent is still <paramref name="parent"/> (it may have died before the
    /// signal was set), for a child that has one; the process name; last, an empty signal mask, so that a signal that
    /// came meanwhile acts by default. Returns 0, or -ESRCH when the parent is gone already and the child must exit.
    /// <para>
    /// With <paramref name="rehearsal"/> the parent makes the same calls with arguments that only ask and change
    /// nothing, so that under the JIT every piece of this path is compiled and bound before the first fork.
    /// </para>
    /// </summary>
    public static unsafe int EnterChild(ChildAttributes child, int parent, SignalSet notAtDefault, bool rehearsal)
    {
        sigaction byDefault = default;
        byDefault.sa_handler = LibC.SIG_DFL;
        LibC.sigemptyset(&byDefault.sa_mask);
        sigaction ignore = byDefault;
        ignore.sa_handler = LibC.SIG_IGN;
        sigaction old;
        for (var rest = notAtDefault.Union(child.Ignored); !rest.IsEmpty; rest = rest.Without(rest.First))
        {
            int signal = rest.First;
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
