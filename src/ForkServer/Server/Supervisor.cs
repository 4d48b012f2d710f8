using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using ForkServer.Interop;
using ForkServer.Logging;
using ForkServer.Processes;

namespace ForkServer.Server;

/// <summary>
/// The parent's side of having child processes, shared by every model that forks: the signal self-pipe, the table of
/// children, the reaper, fork itself (the child's body always ends in _exit), and the graceful stop.
/// </summary>
public sealed class Supervisor
{
    private readonly ReapPolicy _reap;
    private readonly EventLog _log;
    private readonly SignalWatcher _signals;
    private readonly Reaper _reaper;

    public Supervisor(ReapPolicy reap, EventLog log)
    {
        _reap = reap;
        _log = log;
        // Start from SIG_DFL whatever the process that started the server left (SIG_IGN survives exec, and would make
        // the kernel reap under every policy). It is also the first thing every child does (RunChild), so the code for
        // it is compiled here rather than in each child: an unoptimized build compiles each getter on first call.
        Posix.SetSignalDisposition(Signals.SIGCHLD, SignalDisposition.Default);
        if (reap == ReapPolicy.Ignore)
        {
            Posix.SetSignalDisposition(Signals.SIGCHLD, SignalDisposition.Ignore);
        }
        else if (reap == ReapPolicy.Signal)
        {
            // SIGCHLD comes often, while the loop forks: it wakes the loop's own poll, with no watcher thread
            // running managed code that a fork could catch half-way (see Posix.InterruptOnSignal).
            Posix.InterruptOnSignal(Signals.SIGCHLD);
        }
        _signals = new SignalWatcher(Signals.SIGTERM, Signals.SIGINT);
        _reaper = new Reaper(Children, log);
    }

    public ChildTable Children { get; } = new();

    /// <summary>Readable when a signal arrived: poll it beside the listening socket.</summary>
    public int WakeFd => _signals.WakeFd;

    /// <summary>SIGTERM or SIGINT once one has arrived; 0 while the server should keep going.</summary>
    public int StopSignal { get; private set; }

    /// <summary>Looks at the signals that arrived; a SIGCHLD needs nothing here, the reap step looks at the real state.</summary>
    public void HandleSignals()
    {
        var pending = _signals.TakePending();
        if (StopSignal == 0 && pending.Contains(Signals.SIGTERM))
        {
            StopSignal = Signals.SIGTERM;
        }
        else if (StopSignal == 0 && pending.Contains(Signals.SIGINT))
        {
            StopSignal = Signals.SIGINT;
        }
    }

    /// <summary>
    /// The reap step of the loop, on every turn (a signal or the sweep): under <see cref="ReapPolicy.Signal"/> reap;
    /// under <see cref="ReapPolicy.Ignore"/> forget the children the kernel reaped; otherwise leave the zombies.
    /// </summary>
    public void ReapStep()
    {
        if (_reap == ReapPolicy.Signal)
        {
            _reaper.ReapFinished();
        }
        else if (_reap == ReapPolicy.Ignore)
        {
            _reaper.ForgetReapedByKernel();
        }
    }

    /// <summary>Reaps every finished child now, whatever the policy (the accept policy calls it before each fork).</summary>
    public int ReapFinished() => _reaper.ReapFinished();

    /// <summary>
    /// fork(2). In the child, puts signals back to their defaults and runs <paramref name="childBody"/>, whose
    /// return value is the exit status; the child leaves with _exit whatever happens and never returns here. In the
    /// parent, records the child under <paramref name="label"/> and returns its pid. A failed fork throws
    /// <see cref="PosixException"/> and changes nothing. The parent allocates nothing here.
    /// </summary>
    public int Fork(ChildLabel label, Func<int> childBody)
    {
        ChildCode.Prepare(childBody);
        int pid = Posix.Fork();
        if (pid == 0)
        {
            RunChild(label, childBody);
        }
        Children.Add(pid, label);
        return pid;
    }

    [DoesNotReturn]
    private void RunChild(ChildLabel label, Func<int> childBody)
    {
        int status = 1;
        try
        {
            _signals.DetachInChild();
            // Whatever the parent chose, a child that forks in turn gets the plain default.
            Posix.SetSignalDisposition(Signals.SIGCHLD, SignalDisposition.Default);
            status = childBody();
        }
        catch (Exception e)
        {
            ReportFailure(label, e);
        }
        Posix.Exit(status);
    }

    /// <summary>
    /// Logs why a child failed. Should that fail too (no descriptor left to load what it needs, say), the child still
    /// reaches _exit: an exception leaving RunChild would unwind into the parent's frames, in the child.
    /// </summary>
    private void ReportFailure(ChildLabel label, Exception failure)
    {
        try
        {
            string peer = label.ToString();
            _log.Error("child-failed", $"child {Posix.GetPid()} ({peer}) failed: {failure.Message}",
                new LogField("peer", peer), new LogField("error", failure.Message));
        }
        catch (Exception)
        {
            // Nothing is left to report with; the exit status, 1, still says the child failed.
        }
    }

    /// <summary>
    /// Graceful stop, once the listening socket is closed: SIGTERM every child and every orphan adopted as PID 1 or
    /// subreaper, wait up to <paramref name="grace"/> (a second SIGTERM or SIGINT cuts it short), SIGKILL what is
    /// left, reap everything, and log a summary.
    /// </summary>
    public void Stop(TimeSpan grace, long served)
    {
        if (_reap == ReapPolicy.Ignore)
        {
            // From here on children must stay waitable, so the stop can tell when each one is gone.
            Posix.SetSignalDisposition(Signals.SIGCHLD, SignalDisposition.Default);
            _reaper.ForgetReapedByKernel();
        }
        _reaper.ReapFinished();
        int running = Children.Count;
        var orphans = AdoptedOrphans();
        string signal = Signals.Name(StopSignal == 0 ? Signals.SIGTERM : StopSignal);
        _log.Info("stopping",
            $"{signal} received: stopped accepting; sending SIGTERM to {running} children{(orphans.Count > 0 ? $" and {orphans.Count} adopted orphans" : "")}, waiting up to {grace.TotalSeconds:0.#} s",
            new LogField("signal", signal), new LogField("running", running), new LogField("orphans", orphans.Count),
            new LogField("grace_seconds", grace.TotalSeconds));
        Children.SignalAll(Signals.SIGTERM);
        SignalEach(orphans, Signals.SIGTERM);
        bool hurry = WaitForChildren(grace);
        _reaper.ReapFinished();
        // Orphans adopted during the wait (grandchildren of children that just died) are signalled here too.
        orphans = AdoptedOrphans();
        int killed = Children.SignalAll(Signals.SIGKILL) + SignalEach(orphans, Signals.SIGKILL);
        if (killed > 0)
        {
            _log.Info("killing", $"{(hurry ? "second signal" : "grace time over")}: sent SIGKILL to {killed} processes",
                new LogField("killed", killed));
        }
        _reaper.ReapAllListed(orphans);
        _reaper.ReapFinished();
        _log.Info("stopped", $"stopped: served {served} clients; {running} were running at shutdown, {killed} killed with SIGKILL",
            new LogField("served", served), new LogField("running_at_shutdown", running), new LogField("killed", killed));
    }

    /// <summary>
    /// The live children /proc shows that the server did not fork: orphans re-parented to it as PID 1 or subreaper.
    /// Empty where /proc belongs to another PID namespace, whose pids would name other processes.
    /// </summary>
    private List<int> AdoptedOrphans() => ProcStat.ShowsOwnNamespace()
        ? [.. ProcStat.ChildrenOf(Posix.GetPid()).Where(c => !c.IsZombie && !Children.Contains(c.Pid)).Select(c => c.Pid)]
        : [];

    private static int SignalEach(List<int> pids, int signal) => pids.Count(pid => Posix.Kill(pid, signal));

    /// <summary>Reaps as children exit until none is left or the grace time is over; true if a second signal came.</summary>
    private bool WaitForChildren(TimeSpan grace)
    {
        var clock = Stopwatch.StartNew();
        Span<bool> woken = stackalloc bool[1];
        while (_reaper.HasChildren && clock.Elapsed < grace)
        {
            int waitMs = (int)Math.Clamp((grace - clock.Elapsed).TotalMilliseconds, 1, 50);
            Posix.PollReadable([_signals.WakeFd], woken, waitMs);
            var pending = _signals.TakePending();
            if (pending.Contains(Signals.SIGTERM) || pending.Contains(Signals.SIGINT))
            {
                return true;
            }
            _reaper.ReapFinished();
        }
        return false;
    }
}
