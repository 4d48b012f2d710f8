using System.Runtime.Versioning;
using ForkServer.Interop;

namespace ForkServer.Supervision;

/// <summary>
/// The one way signals reach a server: every signal it handles is blocked in every thread of the process and read
/// from a signalfd(2) by the server's own loop, which polls it beside its sockets, as tini reads its signals with
/// sigtimedwait. No handler runs, no thread waits on anyone's behalf, so nothing runs beside a fork() because a
/// signal came; a signal that arrives while the loop is busy stays pending in the kernel until the loop reads it
/// (signals of one kind merge while pending: the loop treats each as "at least one came").
/// <para>
/// Blocked in every thread is the hard part in .NET: the runtime starts its threads (finalizer, sockets, and under
/// the JIT the debugger and event pipe) before Main, with the mask the process started with, and a signal that any
/// thread leaves unblocked is delivered to that thread instead. So <see cref="BlockFromStart"/> blocks them and, when
/// the process did not start that way, execs the same program again: every thread of the new image inherits the mask
/// (measured: all runtime threads show the signals in SigBlk). Pending signals survive execve, so none is lost.
/// </para>
/// </summary>
[SupportedOSPlatform("linux")]
public sealed class SignalFunnel
{
    /// <summary>
    /// The asynchronous signals that would otherwise stop the process (and SIGCHLD): all but the ones a program error
    /// raises (SEGV, BUS, FPE, ILL, ABRT, TRAP, SYS), the job-control ones a terminal sends to stop and go on (TSTP,
    /// TTIN, TTOU, CONT), the ones ignored by default (WINCH, URG) and SIGPIPE, which the runtime ignores and which a
    /// write to a closed pipe raises in the writing thread itself.
    /// </summary>
    public static readonly SignalSet Handled = SignalSet.Of(
        Signals.SIGHUP, Signals.SIGINT, Signals.SIGQUIT, Signals.SIGUSR1, Signals.SIGUSR2, Signals.SIGALRM,
        Signals.SIGTERM, Signals.SIGSTKFLT, Signals.SIGCHLD, Signals.SIGXCPU, Signals.SIGXFSZ, Signals.SIGVTALRM,
        Signals.SIGPROF, Signals.SIGIO, Signals.SIGPWR);

    private SignalFunnel(int fd) => Fd = fd;

    /// <summary>Readable while a handled signal is pending: poll it beside the listening socket.</summary>
    public int Fd { get; }

    /// <summary>
    /// Makes sure <see cref="Handled"/> is blocked in every thread: blocks it here, and if it was not blocked when the
    /// process started, execs this program again with the same arguments and environment (returns only when no
    /// re-exec was needed). Call it first, before the command has opened or printed anything.
    /// </summary>
    public static void BlockFromStart() => BlockFromStart(Handled);

    /// <summary>As <see cref="BlockFromStart()"/>, for a command that reads another set (init forwards more).</summary>
    public static void BlockFromStart(SignalSet signals)
    {
        var before = Posix.BlockSignals(signals);
        if (before.ContainsAll(signals))
        {
            return;
        }
        // By its path rather than /proc/self/exe, which would make the kernel name the process "exe" in ps.
        var image = ExecImage.Create(Environment.ProcessPath!, File.ReadAllBytes("/proc/self/cmdline"), File.ReadAllBytes("/proc/self/environ"));
        int failed = Posix.Exec(image);
        throw new PosixException("execve", -failed);
    }

    /// <summary>The funnel for a process whose handled signals are blocked (<see cref="BlockFromStart"/> ran).</summary>
    public static SignalFunnel Open() => Open(Handled);

    /// <summary>The funnel for <paramref name="signals"/>, blocked from the start.</summary>
    public static SignalFunnel Open(SignalSet signals)
    {
        if (!Posix.BlockedSignals().ContainsAll(signals))
        {
            throw new InvalidOperationException("the handled signals must be blocked from the start (SignalFunnel.BlockFromStart)");
        }
        return new SignalFunnel(Posix.OpenSignalFd(signals));
    }

    /// <summary>Every handled signal pending now, as a set, taken off the kernel's pending set; empty if none.</summary>
    public SignalSet Take() => Posix.TakeSignals(Fd);
}
