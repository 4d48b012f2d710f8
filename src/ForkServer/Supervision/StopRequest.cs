namespace ForkServer.Supervision;

/// <summary>
/// Whether a stop was asked for, by which signal, and how urgently: the first SIGTERM or SIGINT asks for a graceful
/// stop, a second one (or SIGQUIT at any time) for an immediate one. Every server's stop reads it.
/// </summary>
public sealed class StopRequest
{
    /// <summary>The signal that asked first; 0 while the server should keep going.</summary>
    public int Signal { get; private set; }

    public bool Requested => Signal != 0;

    /// <summary>SIGQUIT came, or a second stop signal: no more waiting for anyone.</summary>
    public bool Now => UrgentSignal != 0;

    /// <summary>The signal that made the stop immediate: SIGQUIT, or the second SIGTERM or SIGINT; 0 while it is not.</summary>
    public int UrgentSignal { get; private set; }

    /// <summary>Why nobody is waited for any more, as the log says it.</summary>
    public string Urgency => UrgentSignal == Interop.Signals.SIGQUIT ? "SIGQUIT" : "second signal";

    /// <summary>Records a stop signal; returns true when it is the first one.</summary>
    public bool Ask(int signal, bool now)
    {
        bool first = Signal == 0;
        if (first)
        {
            Signal = signal;
        }
        if (UrgentSignal == 0 && (now || !first))
        {
            UrgentSignal = signal;
        }
        return first;
    }
}
