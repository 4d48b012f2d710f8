using System.Runtime.Versioning;
using ForkServer.Interop;
using ForkServer.Logging;
using ForkServer.Networking;
using ForkServer.Protocols;
using ForkServer.Sessions;
using ForkServer.Supervision;

namespace ForkServer.Models.Prefork;

/// <summary>
/// The preforking server, as Apache's prefork MPM and gunicorn's sync workers: N workers forked at start each block in
/// accept(2) on the shared listening socket (the kernel hands each connection to one of them) and serve one client
/// after another; the parent only supervises: it replaces a worker that dies, restarts them all on SIGHUP (the old ones
/// finish the client they have), and stops them as the fork model stops its children. No fork per client: the fork's
/// cost is paid once per worker. <c>--max-per-ip</c> and <c>--rate</c> count across the workers in memory they share
/// (<see cref="WorkerLimits"/>).
/// </summary>
[SupportedOSPlatform("linux")]
public sealed class PreforkModel(ServeOptions options, int listenFd, SessionFactory sessions, EventLog log)
{
    /// <summary>How long the loop waits before it tries a fork that failed again.</summary>
    private const int RetryMilliseconds = 1000;

    /// <summary>A worker blocks SIGHUP while it serves a client, so a restart ends it between two clients.</summary>
    private static readonly SignalSet Restart = SignalSet.Of(Signals.SIGHUP);

    private readonly ChildAttributes _attributes = ChildStart.Managed("fs-worker");
    // Made again after the warm-up, which counted its own two clients (it runs the very code a worker runs).
    private SharedCounter _served = new();
    // Each worker's own copy, made before the fork: it logs a worker's episode of running out of descriptors when it
    // starts and when it ends, not at every retry. No child limit applies to a worker.
    private readonly AcceptGate _workerGate = new(int.MaxValue, "sessions", log);
    private readonly ISession _session = sessions.Create();
    private readonly byte[] _buffer = new byte[sessions.MaxMessage];
    // Read in the parent (a getter a worker called first would be code it makes).
    private readonly bool _listenerTimeouts = sessions.ListenerTimeouts;
    // Workers told to go on SIGHUP that have not exited yet: they are not counted among the N.
    private readonly HashSet<int> _retiring = [];
    // --max-per-ip and --rate, shared by the workers; the warm-up's own until the workers are forked.
    private WorkerLimits? _limits;
    // The limits' slot of the worker forked next: the child reads its copy.
    private int _slot;
    private Supervisor _supervisor = null!;
    private SignalFunnel _funnel = null!;
    private Func<int> _workerBody = null!;
    private bool _warming;
    private bool _forkFailed;

    public int Run(SignalFunnel funnel)
    {
        _funnel = funnel;
        _warming = true;
        bool limited = WorkerLimits.Asked(options);
        _limits = limited ? WorkerLimits.ForWarmup(log) : null;
        Warmup.Run(Posix.LocalAddress(listenFd).IsIPv6, ServeOne);
        _limits?.Rehearse();
        _warming = false;
        _served = new SharedCounter();
        _limits = limited ? WorkerLimits.For(options, log) : null;
        _workerBody = Work;
        ChildStart.Rehearse(_attributes, _workerBody);
        _supervisor = new Supervisor(ReapPolicy.Signal, funnel, log, () => _served.Value, (_, _) => null, Reload);
        ForkSafety.AssertNothingRunsBeside();
        // Workers first, so that the listening line means the server is ready to serve.
        StartMissingWorkers();
        string address = Listener.Where(listenFd);
        log.Listening(address, $"model prefork, {options.Workers} workers", $"watch the workers with: ps -o pid,ppid,stat,comm,cmd --ppid {Posix.GetPid()}",
            new LogField("model", "prefork"), new LogField("workers", options.Workers));
        while (!_supervisor.Stop.Requested)
        {
            // A descriptor of -1 (no limits) is one poll(2) passes over.
            Span<PollEntry> ready = [new PollEntry(funnel.Fd, PollEntry.Readable), new PollEntry(_limits?.EventsFd ?? -1, PollEntry.Readable)];
            Posix.Poll(ready, _forkFailed ? RetryMilliseconds : -1);
            if (ready[1].CanRead)
            {
                _limits!.LogEvents();
            }
            if (ready[0].CanRead)
            {
                _supervisor.HandleSignals();
                _limits?.Sweep(_supervisor.Children);
            }
            if (!_supervisor.Stop.Requested)
            {
                StartMissingWorkers();
            }
        }
        Readiness.Stopping(log);
        Posix.Close(listenFd);
        _supervisor.Shutdown(options.Grace);
        return Cli.ExitCodes.Ok;
    }

    private int Running
    {
        get
        {
            _retiring.RemoveWhere(pid => !_supervisor.Children.Contains(pid));
            return _supervisor.Children.Count - _retiring.Count;
        }
    }

    private void StartMissingWorkers()
    {
        _forkFailed = false;
        while (Running < options.Workers)
        {
            // Every slot held (old workers still finish their client after two quick SIGHUPs): the next exit frees one.
            if (_limits is { } limits && !limits.TryTakeSlot(out _slot))
            {
                return;
            }
            int pid = _supervisor.Fork(ChildLabel.Worker, _attributes, _workerBody);
            if (pid < 0)
            {
                _forkFailed = true;
                log.Error("fork-failed", $"{PosixException.Describe("fork", -pid)}; will try again in {RetryMilliseconds / 1000} s",
                    new LogField("error", PosixException.Describe("fork", -pid)));
                return;
            }
            _limits?.Started(_slot, pid);
            log.Info("worker-started", $"started worker {pid} ({Running} of {options.Workers} running)",
                new LogField("child", pid), new LogField("running", Running));
        }
    }

    /// <summary>SIGHUP: fresh workers take over; each old one ends once the client it serves, if any, is done.</summary>
    private bool Reload()
    {
        var old = _supervisor.Children.Pids.Where(pid => !_retiring.Contains(pid)).ToList();
        _retiring.UnionWith(old);
        log.Info("reloading", $"SIGHUP received: starting {options.Workers} fresh workers; the {old.Count} old ones finish their client and exit",
            new LogField("signal", "SIGHUP"), new LogField("retiring", old.Count));
        StartMissingWorkers();
        foreach (int pid in old)
        {
            Posix.Kill(pid, Signals.SIGHUP);
        }
        return true;
    }

    /// <summary>A worker's life: accept, serve, close, until a signal ends it.</summary>
    private int Work()
    {
        Posix.Close(_funnel.Fd);
        if (_limits is { } limits)
        {
            Posix.Close(limits.EventsFd);
        }
        while (true)
        {
            ServeOne(listenFd);
        }
    }

    /// <summary>One client, accepted and served to its end: a worker's step, and the parent's warm-up.</summary>
    private void ServeOne(int listener)
    {
        int turn = _limits?.TakeTurn(listener) ?? -1;
        // EAGAIN too: a listener that carries the sessions' idle timeout (SO_RCVTIMEO) ends a blocking accept after it.
        int client = Posix.Accept(listener, out var peer);
        if (client < 0)
        {
            _limits?.Cancel(turn);
            if (_warming)
            {
                throw Warmup.AcceptFailed(client);
            }
            if (Errno.IsOutOfResources(client))
            {
                _workerGate.OutOfResources($"worker {Posix.GetPid()}: {PosixException.Describe("accept4", -client)}");
                // The listening socket stays readable while descriptors are short: retrying at once would spin.
                Thread.Sleep(AcceptGate.Backoff);
            }
            return;
        }
        _limits?.Accepted(turn);
        _workerGate.Accepted();
        var before = Posix.BlockSignals(Restart);
        if (_limits is { } limits && !limits.Admit(_slot, client, peer))
        {
            Posix.SetSignalMask(before);
            return;
        }
        bool logging = !log.Quiet && !_warming;
        if (logging)
        {
            log.Info("accepted", $"worker {Posix.GetPid()} accepted {peer}", new LogField("peer", peer.ToString()));
        }
        _session.Reset();
        var end = BlockingSessionRunner.Run(new DescriptorConnection(client, _listenerTimeouts && !_warming), sessions, _session, _buffer);
        // Counted before the close, so a client that has seen the end of its session is already counted.
        _served.Increment();
        Posix.Close(client);
        _limits?.Release(_slot);
        if (logging)
        {
            log.Info("closed", $"worker {Posix.GetPid()}: {peer}: session over ({SessionEnds.Describe(end, sessions)})",
                new LogField("peer", peer.ToString()), new LogField("end", end.ToString()));
        }
        Posix.SetSignalMask(before);
    }
}
