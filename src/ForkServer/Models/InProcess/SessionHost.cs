using System.Diagnostics;
using System.Runtime.Versioning;
using ForkServer.Interop;
using ForkServer.Logging;
using ForkServer.Networking;
using ForkServer.Processes;
using ForkServer.Supervision;

namespace ForkServer.Models.InProcess;

/// <summary>
/// What the models that serve every client inside the one process (iterative, thread, select) share, as the
/// <see cref="Supervisor"/> is what the forking models share: the accept step (through the gate and the per-source
/// limit), the table of open sessions, what each signal does (<see cref="ServerSignals"/>), the status dump, and the
/// one stop: stop accepting, end every open session with shutdown(2) (a thread blocked in recv on it returns at once),
/// give them <c>--grace</c> to finish, a summary.
/// </summary>
[SupportedOSPlatform("linux")]
public sealed class SessionHost(EventLog log, int? maxPerIp) : ISignalTarget
{
    private readonly Lock _lock = new();
    private readonly SourceLimit _sources = new(maxPerIp, log);
    private readonly Dictionary<int, Open> _open = [];
    private long _served;

    public StopRequest Stop { get; } = new();

    public long Served => Interlocked.Read(ref _served);

    /// <summary>Sessions open now.</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _open.Count;
            }
        }
    }

    /// <summary>
    /// accept(2) on <paramref name="listenFd"/>: the client's descriptor, its session open until <see cref="Closed"/>;
    /// -1 when there is none to serve (none waiting, out of descriptors, which <paramref name="gate"/> backs off from,
    /// or refused by <c>--max-per-ip</c>, which told it so).
    /// </summary>
    public int Accept(int listenFd, AcceptGate gate, bool nonBlocking, out PeerAddress peer)
    {
        int fd = Posix.Accept(listenFd, out peer, nonBlocking);
        if (fd < 0)
        {
            if (Errno.IsOutOfResources(fd))
            {
                gate.OutOfResources(PosixException.Describe("accept4", -fd));
            }
            return -1;
        }
        gate.Accepted();
        if (_sources.Admit(fd, peer) == 0)
        {
            return -1;
        }
        Opened(fd, peer);
        return fd;
    }

    private void Opened(int fd, PeerAddress peer)
    {
        lock (_lock)
        {
            _open[fd] = new Open(peer, Stopwatch.GetTimestamp());
        }
        Interlocked.Increment(ref _served);
    }

    /// <summary>The session on <paramref name="fd"/> is over; call it before closing the descriptor, whose number may be reused at once.</summary>
    public void Closed(int fd)
    {
        lock (_lock)
        {
            if (_open.Remove(fd, out var session))
            {
                _sources.Release(session.Peer);
            }
        }
    }

    void ISignalTarget.Stop(int signal, bool now) => Stop.Ask(signal, now);

    // No model that serves in one process gives SIGHUP a meaning, and none has children.
    bool ISignalTarget.Reload() => false;

    void ISignalTarget.ChildrenChanged()
    {
    }

    /// <summary>SIGUSR1: every open session, with its age and client, as one line each.</summary>
    public void ReportStatus()
    {
        List<(int Fd, Open Session)> sessions;
        lock (_lock)
        {
            sessions = [.. _open.Select(o => (o.Key, o.Value)).OrderBy(o => o.Key)];
        }
        log.Info("status", $"status (SIGUSR1): {sessions.Count} sessions open; served {Served} clients",
            new LogField("sessions", sessions.Count), new LogField("served", Served));
        int pid = Posix.GetPid();
        log.Info("status-row", "  " + ChildRow.Header);
        foreach (var (fd, session) in sessions)
        {
            var row = new ChildRow(pid, $"fd {fd}", Stopwatch.GetElapsedTime(session.Started), session.Peer.ToString());
            log.Info("status-row", "  " + row.Format(), new LogField("fd", fd), new LogField("client", row.Client));
        }
    }

    /// <summary>
    /// The stop's first step, once the listening socket is closed: logs it (<paramref name="reason"/> when a signal
    /// was not the reason), and shuts every open session down.
    /// </summary>
    public int EndAll(TimeSpan grace, string? reason = null)
    {
        string signal = Signals.Name(Stop.Signal == 0 ? Signals.SIGTERM : Stop.Signal);
        reason ??= $"{signal} received";
        lock (_lock)
        {
            log.Info("stopping", $"{reason}: stopped accepting; ending {_open.Count} open sessions, waiting up to {grace.TotalSeconds:0.#} s for them",
                new LogField("signal", Stop.Signal == 0 ? null : signal), new LogField("reason", reason), new LogField("running", _open.Count), new LogField("grace_seconds", grace.TotalSeconds));
            foreach (int fd in _open.Keys)
            {
                Posix.ShutdownBoth(fd);
            }
            return _open.Count;
        }
    }

    /// <summary>The stop's last line.</summary>
    public void Stopped(int openAtShutdown, int left)
    {
        log.Summary("stopped",
            $"stopped: served {Served} clients; {openAtShutdown} sessions were open at shutdown, {left} still running at exit{log.DroppedSummary()}",
            new LogField("served", Served), new LogField("running_at_shutdown", openAtShutdown), new LogField("left", left),
            new LogField("log_lines_dropped", log.Dropped));
    }

    private readonly record struct Open(PeerAddress Peer, long Started);
}
