using System.Runtime.CompilerServices;
using System.Runtime.Versioning;
using ForkServer.Interop;
using ForkServer.Logging;
using ForkServer.Networking;
using ForkServer.Processes;
using ForkServer.Supervision;

namespace ForkServer.Models.Fork;

/// <summary>
/// The loop of every model that forks a child per client (fork, spawn, exec): the parent only accepts, forks and
/// reaps; what the child does with its client is the model's <see cref="ClientChild"/>. The loop is a series of small
/// named steps, as in gunicorn's arbiter: wait (poll the listening socket and the signal funnel), handle the signals
/// (which reaps, under the signal policy), accept and fork; then the supervisor's stop.
/// </summary>
[SupportedOSPlatform("linux")]
public sealed class ForkingServer(ServeOptions options, int listenFd, ClientChild child, EventLog log)
{
    private readonly AcceptGate _gate = new(options.MaxChildren, "children", log, options.Rate);
    private readonly SourceLimit _sources = new(options.MaxPerIp, log);
    private Supervisor _supervisor = null!;
    private SignalFunnel _funnel = null!;
    private long _served;
    // A child was reaped since the pool last refilled: a pool child's exit leaves the pool short, and any exit frees
    // what a start that failed may have lacked (a process, descriptors). Not the exit of a start that failed itself.
    private bool _reaped;

    // The client being forked for, and the child's body made once: the parent allocates nothing per client. Every
    // page it writes after a fork is copied, and every page its heap grows by is one more page table entry the next
    // fork copies and the next child's exit tears down.
    private int _clientFd = -1;
    private Func<int> _childBody = null!;

    /// <param name="funnel">The server's signals.</param>
    /// <param name="listening">The rest of the listening line, after "(model M": what this model says about itself.</param>
    public int Run(SignalFunnel funnel, string listening)
    {
        _funnel = funnel;
        _childBody = RunChild;
        ChildStart.Rehearse(child.Attributes, _childBody, child.Run);
        if (RuntimeFeature.IsDynamicCodeCompiled)
        {
            // RunChild's close(2): the fork model's warm-up makes it in the parent, a child that execs would not.
            var (read, write) = Posix.Pipe();
            Posix.Close(read);
            Posix.Close(write);
            child.Rehearse?.Invoke();
        }
        _supervisor = new Supervisor(options.Reap, funnel, log, () => _served,
            (_, status) => child.Meaning(status));
        _supervisor.Children.Removed = (pid, label, status) =>
        {
            _sources.Release(label.Client);
            // A pool child that exits by itself before its first client never got going (under a process limit its
            // runtime cannot start a thread): a start that failed, as a fork that fails, or each reap would start the
            // next such child. One killed by a signal is replaced at once.
            if (child.Pool?.Forget(pid) == true && status is { Exited: true } exit && !_supervisor.Stop.Requested)
            {
                string why = $"child {pid} {exit} before its first client";
                log.Error("pool", $"cannot start a child to wait for clients: {why}", new LogField("error", why),
                    new LogField("child", pid), new LogField("exit_code", exit.ExitCode));
                return;
            }
            // Only noted, for the loop's Refill: a fork here would add a child to the table in the middle of a reap.
            _reaped = true;
        };
        ForkSafety.AssertNothingRunsBeside();
        // The memory file for the executable's .bss, made before the server says it listens (so that its descriptors
        // do not change after that line) and filled last before the loop.
        var programData = ProgramData.Open(out string? dataStays);
        string address = Listener.Where(listenFd);
        string model = Cli.Names.Of(options.Model);
        string reap = Cli.Names.Of(options.Reap);
        log.Listening(address, $"model {model}{listening}, reap {reap}", $"watch the children with: ps -o pid,ppid,stat,comm,cmd --ppid {Posix.GetPid()}",
            new LogField("model", model), new LogField("reap", reap));
        if (child.Pool is { } pool)
        {
            while (pool.Waiting < pool.Size && StartWaiting(pool) > 0)
            {
            }
            string each = pool.ClientsPerChild == 1 ? "" : $", each to serve up to {pool.ClientsPerChild} clients";
            log.Info("pool", $"{pool.Waiting} children started and waiting for clients{each}", new LogField("waiting", pool.Waiting),
                new LogField("clients_per_child", pool.ClientsPerChild));
        }
        // Last before the loop: the executable's .bss goes into a memory file, and fork copies only the pages of it the
        // loop touches from then on.
        dataStays ??= programData?.Move();
        if (dataStays is not null)
        {
            log.Info("program-data", $"the program's data stays in private memory, which every fork copies: {dataStays}",
                new LogField("error", dataStays));
        }
        // The third: pool children that are done with a client and wait for another (-1, which poll skips, if none do).
        Span<PollEntry> wait = [new PollEntry(listenFd, PollEntry.Readable), new PollEntry(funnel.Fd, PollEntry.Readable),
            new PollEntry(child.Pool?.ReadyFd ?? -1, PollEntry.Readable)];
        while (!_supervisor.Stop.Requested)
        {
            var children = _supervisor.Children;
            if (options.Reap == ReapPolicy.Accept && children.Count >= options.MaxChildren)
            {
                // The tutorial reaps when a client is waiting; at the limit one is, in the backlog.
                _supervisor.ReapFinished();
            }
            // Children waiting in the pool serve no one yet: --max-children counts those that do.
            bool accepting = _gate.IsOpen(children.Count - (child.Pool?.Waiting ?? 0), children.Zombies);
            // poll(2) skips a negative descriptor: while the gate is shut only signals and the sweep wake the loop.
            wait[0].Fd = accepting ? listenFd : -1;
            Posix.Poll(wait, _gate.WaitMilliseconds(_supervisor.WaitMilliseconds));
            if (wait[1].CanRead)
            {
                _supervisor.HandleSignals();
            }
            else
            {
                _supervisor.Sweep();
            }
            if (wait[2].CanRead)
            {
                TakeBack(child.Pool!);
            }
            if (accepting && !_supervisor.Stop.Requested)
            {
                if (wait[0].CanRead)
                {
                    AcceptAndFork();
                }
                else
                {
                    _gate.BacklogEmpty(children.Count);
                }
            }
            // Last, before the next wait: children reaped in this pass (on a SIGCHLD, or before a fork under the accept
            // policy) may have left the pool short.
            if (_reaped && child.Pool is not null && !_supervisor.Stop.Requested)
            {
                Refill(child.Pool);
            }
        }
        Readiness.Stopping(log);
        Posix.Close(listenFd);
        // The pool's channels close after the stop: a waiting child told to go by its channel's end would race the
        // stop's SIGTERM and leave the count of children at shutdown to chance.
        _supervisor.Shutdown(options.Grace);
        child.Pool?.Close();
        return Cli.ExitCodes.Ok;
    }

    private void AcceptAndFork()
    {
        int client = Posix.Accept(listenFd, out var peer);
        if (client < 0)
        {
            if (Errno.IsOutOfResources(client))
            {
                _gate.OutOfResources(PosixException.Describe("accept4", -client));
            }
            return;
        }
        _gate.Accepted();
        // The client as text, made once for both lines and not at all when they are not printed.
        string? text = log.Quiet ? null : peer.ToString();
        if (text is not null)
        {
            log.Info("accepted", $"accepted {text}", new LogField("peer", text));
        }
        if (options.Reap == ReapPolicy.Accept)
        {
            _supervisor.ReapFinished();
        }
        int fromSameSource = _sources.Admit(client, peer);
        if (fromSameSource == 0)
        {
            return;
        }
        if (child.Pool is { } pool)
        {
            HandOver(pool, client, peer, text);
            return;
        }
        child.Prepare?.Invoke(new ClientArrival(client, peer, fromSameSource));
        _clientFd = client;
        int pid = _supervisor.Fork(new ChildLabel(child.Role, peer), child.Attributes, _childBody);
        if (pid < 0)
        {
            _sources.Release(peer);
            Refusal.ServerBusy(client, peer, PosixException.Describe("fork", -pid), log);
            return;
        }
        Posix.Close(client);
        _served++;
        if (text is not null)
        {
            int running = _supervisor.Children.Count - _supervisor.Children.Zombies;
            log.Info(child.Verb, $"{child.Verb} child {pid} for {text}{child.Doing} ({running} children running)",
                new LogField("child", pid), new LogField("peer", text), new LogField("running", running));
        }
    }

    /// <summary>
    /// Gives the client to a waiting child, then starts another to wait in its place if the pool needs one. If none
    /// waits: to a child that comes back from its client within <see cref="PoolLine.ReturnWaitMilliseconds"/>, else to one
    /// started now (the channel keeps the client until it reads it).
    /// </summary>
    private void HandOver(ChildPool pool, int client, PeerAddress peer, string? text)
    {
        int pid = pool.HandOver(client);
        if (pid == 0 && pool.Returning > 0 && Posix.WaitReadable(pool.ReadyFd, PoolLine.ReturnWaitMilliseconds))
        {
            TakeBack(pool);
            pid = pool.HandOver(client);
        }
        if (pid == 0 && StartWaiting(pool) > 0)
        {
            pid = pool.HandOver(client);
        }
        if (pid == 0)
        {
            Refusal.ServerBusy(client, peer, "no child could be started to hand it to", log);
            return;
        }
        Posix.Close(client);
        _served++;
        _supervisor.Children.Relabel(pid, new ChildLabel(child.Role, peer));
        if (pool.NeedsChild)
        {
            StartWaiting(pool);
        }
        if (text is not null)
        {
            int running = _supervisor.Children.Count - _supervisor.Children.Zombies - pool.Waiting;
            log.Info("handed", $"handed {text} to waiting child {pid} ({running} children serving, {pool.Waiting} waiting)",
                new LogField("child", pid), new LogField("peer", text), new LogField("running", running), new LogField("waiting", pool.Waiting));
        }
    }

    /// <summary>
    /// Pool children done with a client (<c>--clients-per-child</c>): each waits in line again, or is told to go; either
    /// way its client no longer counts against its source.
    /// </summary>
    private void TakeBack(ChildPool pool)
    {
        Span<int> pids = stackalloc int[64];
        foreach (int pid in pids[..pool.ReadReady(pids)])
        {
            if (pool.Return(pid) is not { } kept)
            {
                continue;
            }
            if (_supervisor.Children.Relabel(pid, ChildLabel.Worker) is { } was)
            {
                _sources.Release(was.Client);
            }
            if (!log.Quiet)
            {
                pool.LogReturn(log, pid, kept);
            }
        }
    }

    /// <summary>
    /// Starts children to wait in place of those reaped, until the pool has enough, so the next client does not wait for
    /// a start. Only after a reap: a start that fails (logged) is tried again after the next reap or by the next client,
    /// not on every pass, where a server out of processes or descriptors would fork and log without end; nor after the
    /// reap of a child that failed to start, which would do the same one child at a time.
    /// </summary>
    private void Refill(ChildPool pool)
    {
        _reaped = false;
        while (pool.NeedsChild)
        {
            int pid = StartWaiting(pool);
            if (pid <= 0)
            {
                return;
            }
            if (!log.Quiet)
            {
                log.Info("pool", $"pool refilled: started child {pid} to wait in place of one that exited ({pool.Waiting} waiting)",
                    new LogField("child", pid), new LogField("waiting", pool.Waiting));
            }
        }
    }

    /// <summary>
    /// Forks a child to wait in the pool: its pid, or the negated errno of the fork, or of the channel made for it, that
    /// failed (logged; the pool fills up again after the next reap, or with the next client).
    /// </summary>
    private int StartWaiting(ChildPool pool)
    {
        _clientFd = pool.OpenChannel(out string? why);
        int pid = _clientFd;
        if (_clientFd >= 0)
        {
            pid = _supervisor.Fork(ChildLabel.Worker, child.Attributes, _childBody);
            pool.Started(pid, _clientFd);
            why = pid < 0 ? PosixException.Describe("fork", -pid) : null;
        }
        if (why is not null)
        {
            log.Error("pool", $"cannot start a child to wait for clients: {why}", new LogField("error", why));
        }
        return pid;
    }

    /// <summary>In the child: let go of what only the parent uses, then the model's work on the client.</summary>
    private int RunChild()
    {
        // Only the parent accepts and takes signals: the child's copies would only keep the port open.
        Posix.Close(listenFd);
        Posix.Close(_funnel.Fd);
        return child.Run(_clientFd);
    }
}
