using System.Runtime.Versioning;
using ForkServer.Interop;
using ForkServer.Logging;

namespace ForkServer.Supervision;

/// <summary>What a server does for each <see cref="SignalMeaning"/>: one handler per meaning, called from its loop.</summary>
public interface ISignalTarget
{
    /// <summary>SIGTERM, SIGINT (<paramref name="now"/> false) or SIGQUIT (true); a second one while stopping hurries the stop.</summary>
    void Stop(int signal, bool now);

    /// <summary>SIGHUP. False when this server gives it no meaning: it is then logged as ignored.</summary>
    bool Reload();

    /// <summary>SIGUSR1: the table of children or sessions into the log.</summary>
    void ReportStatus();

    /// <summary>SIGCHLD: a child changed state.</summary>
    void ChildrenChanged();
}

/// <summary>
/// Takes what the <see cref="SignalFunnel"/> holds and hands each signal, in number order, to the server's handler for
/// its meaning: the one dispatch every server loop calls (PostgreSQL's postmaster keeps one such table).
/// </summary>
[SupportedOSPlatform("linux")]
public static class ServerSignals
{
    public static void Dispatch(SignalFunnel funnel, ISignalTarget target, EventLog log)
    {
        for (var pending = funnel.Take(); !pending.IsEmpty; pending = pending.Except(SignalSet.Of(pending.First)))
        {
            int signal = pending.First;
            switch (SignalMeanings.Of(signal))
            {
                case SignalMeaning.Stop:
                    target.Stop(signal, now: false);
                    break;
                case SignalMeaning.StopNow:
                    target.Stop(signal, now: true);
                    break;
                case SignalMeaning.Reload when target.Reload():
                    break;
                case SignalMeaning.Status:
                    target.ReportStatus();
                    break;
                case SignalMeaning.Children:
                    target.ChildrenChanged();
                    break;
                default:
                    string name = Signals.Name(signal);
                    log.Info("signal-ignored", $"{name} received: it has no meaning for this server; ignored",
                        new LogField("signal", name));
                    break;
            }
        }
    }
}
