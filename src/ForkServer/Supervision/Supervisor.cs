using System.Diagnostics;
using System.Runtime.Versioning;
using ForkServer.Cli;
using ForkServer.Interop;
using ForkServer.Logging;
using ForkServer.Processes;

namespace ForkServer.Supervision;

/// <summary>
/// The parent's side of having children, the same for every model that forks (fork, prefork, spawn, exec): the
/// table of children, the reaping under each reap policy, fork itself through <see cref="ChildStart"/>, what each
/// signal does (<see cref="ServerSignals"/>), the status dump, and the one stop: SIGTERM to every child and adopted
/// orphan, <c>--grace</c>, SIGKILL to what is left, reap everything, a summary. A model only accepts clients and
/// says what a child does with one.
/// <para>The loop it is driven by: wait (poll the model's descriptors and <see cref="SignalFd"/>, at most
/// <see cref="WaitMilliseconds"/>), <see cref="HandleSignals"/>, <see cref="ReapStep"/>, the model's own step, until
/// <see cref="Stop"/> is requested; then <see cref="Shutdown"/>.</para>
/// </summary>
[SupportedOSPlatform("linux")]
public sealed class Supervisor : ISignalTarget
{
    /// <summary>How often the loop looks for children the kernel reaped by itself under <see cref="ReapPolicy.Ignore"/>, which sends no SIGCHLD.</summary>
    private const int IgnoreSweepMilliseconds = 250;

    private readonly ReapPolicy _reap;
    private readonly SignalFunnel _funnel;
    private readonly EventLog _log;
    private readonly Reaper _reaper;
    private readonly Func<long> _served;
    private readonly Func<bool>? _reload;
    private bool _shuttingDown;

    /// <param name="reap">When finished children are reaped.</param>
    /// <param name="funnel">Where signals come from.</param>
    /// <param name="log">The event log.</param>
    /// <param name="served">How many clients the model has served, for the status dump and the summary.</param>
    /// <param name="exitMeaning">What a child's exit status means for its role, for the log; null for no words.</param>
    /// <param name="reload">What SIGHUP does; null when the model gives it no meaning.</param>
    public Supervisor(ReapPolicy reap, SignalFunnel funnel, EventLog log, Func<long> served,
        Func<ChildLabel, WaitStatus, string?> exitMeaning, Func<bool>? reload = null)
    {
        _reap = reap;
        _funnel = funnel;
        _log = log;
        _served = served;
        _reload = reload;
        _reaper = new Reaper(Children, log, exitMeaning);
        // From SIG_DFL whatever started the server: SIG_IGN survives exec, and would make the kernel reap under every
        // policy. The kernel decides to reap by the disposition, not the mask, so ignore works though SIGCHLD is blocked.
        Posix.SetSignalDisposition(Signals.SIGCHLD, reap == ReapPolicy.Ignore ? SignalDisposition.Ignore : SignalDisposition.Default);
    }

    public ChildTable Children { get; } = new();

    public StopRequest Stop { get; } = new();

    /// <summary>Readable when a signal came: poll it beside the listening socket.</summary>
    public int SignalFd => _funnel.Fd;

    /// <summary>How long the loop may sleep without a signal or a client: for ever, except under the ignore policy.</summary>
    public int WaitMilliseconds => _reap == ReapPolicy.Ignore ? IgnoreSweepMilliseconds : -1;

    /// <summary>Takes the pending signals and does what each means.</summary>
    public void HandleSignals() => ServerSignals.Dispatch(_funnel, this, _log);

    /// <summary>
    /// What the reap policy does on a SIGCHLD or sweep: reap (signal), forget what the kernel reaped (ignore), or only
    /// note the exits and leave the zombies (accept, none).
    /// </summary>
    public void ReapStep()
    {
        if (_reap == ReapPolicy.Signal || _shuttingDown)
        {
            _reaper.ReapFinished();
        }
        else if (_reap == ReapPolicy.Ignore)
        {
            _reaper.ForgetReapedByKernel();
        }
        else
        {
            _reaper.NoteExits();
        }
    }

    /// <summary>
    /// The loop's step when no signal woke it: under the ignore policy, which has no SIGCHLD, forget the children the
    /// kernel reaped; under the others, nothing (every exit comes as a SIGCHLD, which the funnel never loses).
    /// </summary>
    public void Sweep()
    {
        if (_reap == ReapPolicy.Ignore)
        {
            _reaper.ForgetReapedByKernel();
        }
    }

    /// <summary>Reaps every finished child now, whatever the policy (the accept policy does it before each fork).</summary>
    public int ReapFinished() => _reaper.ReapFinished();

    /// <summary>
    /// Forks a child that sets itself up as <paramref name="attributes"/> say and runs <paramref name="body"/>, and
    /// lists it under <paramref name="label"/>. Returns its pid, or -EAGAIN or -ENOMEM (nothing is listed then).
    /// The parent allocates nothing here.
    /// </summary>
    public int Fork(ChildLabel label, ChildAttributes attributes, Func<int> body)
    {
        int pid = ChildStart.Fork(attributes, body, _log);
        if (pid > 0)
        {
            Children.Add(pid, label);
        }
        return pid;
    }

    void ISignalTarget.Stop(int signal, bool now) => Stop.Ask(signal, now);

    bool ISignalTarget.Reload() => _reload?.Invoke() ?? false;

    void ISignalTarget.ChildrenChanged() => ReapStep();

    /// <summary>SIGUSR1: every child as <c>forkserver ps</c> would show it, one line each.</summary>
    public void ReportStatus()
    {
        var rows = Children.All
            .Select(c => new ChildRow(c.Pid, ProcStat.Read(c.Pid)?.StateName ?? "?", c.Age, ProcStat.Read(c.Pid)?.IsZombie == true ? "<defunct>" : c.Label.ToString()))
            .OrderBy(r => r.Pid)
            .ToList();
        int zombies = rows.Count(r => r.Client == "<defunct>");
        _log.Info("status",
            $"status (SIGUSR1): {rows.Count} children, {zombies} zombies; served {_served()} clients; reap {Names.Of(_reap)}",
            new LogField("children", rows.Count), new LogField("zombies", zombies), new LogField("served", _served()));
        _log.Info("status-row", "  " + ChildRow.Header);
        foreach (var row in rows)
        {
            _log.Info("status-row", "  " + row.Format(),
                new LogField("child", row.Pid), new LogField("state", row.State), new LogField("client", row.Client));
        }
    }

    /// <summary>
    /// The stop, once the listening socket is closed: SIGTERM every child and every orphan adopted as PID 1 or
    /// subreaper (and SIGCONT, so that a stopped one acts on it), wait up to <paramref name="grace"/> (a second stop
    /// signal or SIGQUIT cuts it short), SIGKILL what is left, reap everything, and log a summary.
    /// </summary>
    public void Shutdown(TimeSpan grace)
    {
        _shuttingDown = true;
        if (_reap == ReapPolicy.Ignore)
        {
            // From here on children must stay waitable, so the stop can tell when each one is gone.
            Posix.SetSignalDisposition(Signals.SIGCHLD, SignalDisposition.Default);
            _reaper.ForgetReapedByKernel();
        }
        _reaper.ReapFinished();
        int running = Children.Count;
        var orphans = AdoptedOrphans();
        string signal = Signals.Name(Stop.Signal == 0 ? Signals.SIGTERM : Stop.Signal);
        string others = orphans.Count > 0 ? $" and {orphans.Count} adopted orphans" : "";
        if (Stop.Now)
        {
            _log.Info("stopping", $"{signal} received: stopped accepting; stopping at once: SIGKILL to {running} children{others}",
                new LogField("signal", signal), new LogField("running", running), new LogField("orphans", orphans.Count),
                new LogField("grace_seconds", 0));
        }
        else
        {
            _log.Info("stopping",
                $"{signal} received: stopped accepting; sending SIGTERM to {running} children{others}, waiting up to {grace.TotalSeconds:0.#} s",
                new LogField("signal", signal), new LogField("running", running), new LogField("orphans", orphans.Count),
                new LogField("grace_seconds", grace.TotalSeconds));
            Children.SignalAll(Signals.SIGTERM);
            SignalEach(orphans, Signals.SIGTERM);
            WaitForChildren(grace);
            _reaper.ReapFinished();
        }
        // Orphans adopted meanwhile (grandchildren of children that just died) are killed too.
        orphans = AdoptedOrphans();
        int killed = Children.SignalAll(Signals.SIGKILL) + SignalEach(orphans, Signals.SIGKILL);
        if (killed > 0)
        {
            string why = Stop.Now ? Stop.Urgency : "grace time over";
            _log.Info("killing", $"{why}: sent SIGKILL to {killed} processes", new LogField("killed", killed));
        }
        _reaper.ReapAllListed(orphans);
        _reaper.ReapFinished();
        _log.Summary("stopped",
            $"stopped: served {_served()} clients; {running} were running at shutdown, {killed} killed with SIGKILL{_log.DroppedSummary()}",
            new LogField("served", _served()), new LogField("running_at_shutdown", running), new LogField("killed", killed),
            new LogField("log_lines_dropped", _log.Dropped));
    }

    /// <summary>
    /// The live children /proc shows that the server did not fork: orphans re-parented to it as PID 1 or subreaper.
    /// Empty where /proc belongs to another PID namespace, whose pids would name other processes.
    /// </summary>
    private List<int> AdoptedOrphans() => ProcStat.ShowsOwnNamespace()
        ? [.. ProcStat.ChildrenOf(Posix.GetPid()).Where(c => !c.IsZombie && !Children.Contains(c.Pid)).Select(c => c.Pid)]
        : [];

    private static int SignalEach(List<int> pids, int signal) => pids.Count(pid => Posix.KillAndContinue(pid, signal) == 0);

    /// <summary>Reaps as children exit until none is left, the grace time is over, or a signal says not to wait.</summary>
    private void WaitForChildren(TimeSpan grace)
    {
        var clock = Stopwatch.StartNew();
        while (_reaper.HasChildren && clock.Elapsed < grace && !Stop.Now)
        {
            int waitMs = (int)Math.Clamp((grace - clock.Elapsed).TotalMilliseconds, 1, 100);
            Posix.WaitReadable(SignalFd, waitMs);
            HandleSignals();
            _reaper.ReapFinished();
        }
    }
}
