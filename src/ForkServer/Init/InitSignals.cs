using ForkServer.Interop;
using ForkServer.Supervision;

namespace ForkServer.Init;

/// <summary>The signals init takes from its funnel and passes on to COMMAND, as tini does.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public static class InitSignals
{
    /// <summary>
    /// The server's funnel signals and the job-control and terminal ones a shell's user sends (TSTP, CONT, WINCH,
    /// URG); SIGCHLD among them only tells init to reap. Not forwarded, as in tini: the signals a program error raises,
    /// SIGTTIN and SIGTTOU (ignored, so that init never stops writing to a terminal it gave away), SIGPIPE (the runtime
    /// ignores it) and the real-time signals (the runtime uses SIGRTMIN to suspend its threads).
    /// </summary>
    public static readonly SignalSet Forwarded = SignalFunnel.Handled.Union(
        SignalSet.Of(Signals.SIGTSTP, Signals.SIGCONT, Signals.SIGWINCH, Signals.SIGURG));

    /// <summary>A signal's name or number (<see cref="Signals.Parse"/>) if init forwards it; null if not.</summary>
    public static int? ParseForwarded(string text) =>
        Signals.Parse(text) is { } signal && signal != Signals.SIGCHLD && Forwarded.Contains(signal) ? signal : null;
}
