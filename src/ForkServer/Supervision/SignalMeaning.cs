using ForkServer.Interop;

namespace ForkServer.Supervision;

/// <summary>What a signal asks of a server: every model gives each signal the same meaning (the README's table).</summary>
public enum SignalMeaning
{
    /// <summary>SIGTERM, SIGINT: stop accepting, give the sessions --grace to end, then SIGKILL and reap what is left.</summary>
    Stop,

    /// <summary>SIGQUIT: stop at once: SIGKILL to every child, reap them all.</summary>
    StopNow,

    /// <summary>SIGHUP: prefork starts fresh workers and lets the old ones finish their client; other models log it.</summary>
    Reload,

    /// <summary>SIGUSR1: the children (or sessions) table into the log, as <c>forkserver ps</c> shows it.</summary>
    Status,

    /// <summary>SIGCHLD: a child changed state; the reap policy decides what to do.</summary>
    Children,

    /// <summary>Every other signal the funnel takes (USR2, ALRM, PWR...): logged, and otherwise ignored.</summary>
    Ignored,
}

/// <summary>The table from signal to <see cref="SignalMeaning"/>.</summary>
public static class SignalMeanings
{
    public static SignalMeaning Of(int signal) => signal switch
    {
        Signals.SIGTERM or Signals.SIGINT => SignalMeaning.Stop,
        Signals.SIGQUIT => SignalMeaning.StopNow,
        Signals.SIGHUP => SignalMeaning.Reload,
        Signals.SIGUSR1 => SignalMeaning.Status,
        Signals.SIGCHLD => SignalMeaning.Children,
        _ => SignalMeaning.Ignored,
    };
}
