using System.Net.Sockets;
using ForkServer.Interop;
using ForkServer.Logging;
using ForkServer.Protocols;
using Tmds.Linux;

namespace ForkServer.Server;

/// <summary>
/// The forking server: the parent only accepts, forks and reaps; each client is served by a child process that
/// closes the listening socket, runs the session with blocking calls and leaves with _exit(2).
/// The loop is a series of small named steps, as in gunicorn's arbiter: wait (poll the listening socket and the
/// signal self-pipe), handle signals, reap, accept and fork; and on SIGTERM or SIGINT, stop.
/// </summary>
public sealed class ForkModel(ServeOptions options, Socket listener, SessionFactory sessions, EventLog log)
{
    /// <summary>The longest the loop sleeps without looking at its children: the sweep that catches merged or lost SIGCHLDs.</summary>
    private const int SweepMilliseconds = 250;

    private readonly int _listenFd = (int)listener.Handle;
    private readonly AcceptGate _gate = new(options.MaxChildren, log);
    private Supervisor _supervisor = null!;
    private long _served;

    // Made once in the parent and used only by children: each child works on its own copy-on-write copy, so a child
    // allocates nothing. It never enters the allocator's slow path or the GC, whose locks another thread of the parent
    // may have held at the moment of fork; and it copies a page or two instead of zeroing 128 KiB of fresh buffers.
    private readonly ISession _childSession = sessions.Create();
    private readonly byte[] _childBuffer = new byte[sessions.MaxMessage];

    // Read in the parent: a property getter the child called first would be compiled in every child (Debug builds
    // do not inline it).
    private readonly TimeSpan? _leaveOrphan = options.LeaveOrphan;

    // The client being forked for, and the child's body made once. The parent allocates nothing per client either:
    // every page it writes after a fork is copied, and every page its heap grows by is one more page table entry the
    // next fork copies and the next child's exit tears down.
    private int _clientFd = -1;
    private PeerAddress _clientPeer;
    private Func<int>? _childBody;

    public int Run()
    {
        // poll says when to accept; a client that gives up in between must not leave the loop blocked in accept.
        listener.Blocking = false;
        Warmup.Run(listener.AddressFamily, warmed => Serve((int)warmed.Handle, default));
        _supervisor = new Supervisor(options.Reap, log);
        // Only children ever call ServeInChild: compiled here, once, it is not compiled again in every child.
        _childBody = ServeInChild;
        ChildCode.Prepare(_childBody);
        // Start forking from a compacted heap: it stays that size, since the loop allocates nothing per client.
        GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        string address = Listener.Format(listener.LocalEndPoint);
        log.Always("listening",
            $"listening on {address} (model fork, reap {Names.Of(options.Reap)}); watch the children with: ps -o pid,ppid,stat,cmd --ppid {Posix.GetPid()}",
            new LogField("address", address), new LogField("model", "fork"), new LogField("reap", Names.Of(options.Reap)));
        while (_supervisor.StopSignal == 0)
        {
            // Reaping right before poll leaves the smallest window for a SIGCHLD that lands outside poll and so
            // wakes nothing; the sweep timeout covers that window.
            _supervisor.ReapStep();
            if (options.Reap == ReapPolicy.Accept && _supervisor.Children.Count >= options.MaxChildren)
            {
                // The tutorial reaps when a client is waiting; at the limit one is, in the backlog.
                _supervisor.ReapFinished();
            }
            bool clientWaiting = WaitForClientOrSignal();
            _supervisor.HandleSignals();
            if (clientWaiting && _supervisor.StopSignal == 0)
            {
                AcceptAndFork();
            }
        }
        listener.Dispose();
        _supervisor.Stop(options.Grace, _served);
        return ExitCodes.Ok;
    }

    private bool WaitForClientOrSignal()
    {
        bool accepting = _gate.IsOpen(_supervisor.Children.Count);
        // poll(2) skips a negative descriptor: while the gate is shut only signals and the sweep wake the loop.
        ReadOnlySpan<int> fds = [accepting ? _listenFd : -1, _supervisor.WakeFd];
        Span<bool> readable = stackalloc bool[2];
        Posix.PollReadable(fds, readable, _gate.WaitMilliseconds(SweepMilliseconds));
        if (accepting && !readable[0])
        {
            _gate.BacklogEmpty(_supervisor.Children.Count);
        }
        return accepting && readable[0];
    }

    private void AcceptAndFork()
    {
        int client;
        PeerAddress peer;
        try
        {
            client = Posix.Accept(_listenFd, out peer);
        }
        catch (PosixException e) when (e.Errno == LibC.EMFILE || e.Errno == LibC.ENFILE || e.Errno == LibC.ENOBUFS || e.Errno == LibC.ENOMEM)
        {
            _gate.OutOfResources(e.Message);
            return;
        }
        if (client < 0)
        {
            return;
        }
        _gate.Accepted();
        var label = ChildLabel.Serving(peer);
        // The client as text, made once for both lines and not at all when they are not printed.
        string? text = log.Quiet ? null : label.ToString();
        if (text is not null)
        {
            log.Info("accepted", $"accepted {text}", new LogField("peer", text));
        }
        if (options.Reap == ReapPolicy.Accept)
        {
            _supervisor.ReapFinished();
        }
        int pid;
        _clientFd = client;
        _clientPeer = peer;
        try
        {
            pid = _supervisor.Fork(label, _childBody!);
        }
        catch (PosixException e)
        {
            RefuseBusy(client, label, e);
            return;
        }
        Posix.Close(client);
        _served++;
        if (text is not null)
        {
            int running = _supervisor.Children.Count;
            log.Info("forked", $"forked child {pid} for {text} ({running} children running)",
                new LogField("child", pid), new LogField("peer", text), new LogField("running", running));
        }
    }

    /// <summary>The child's whole life, run between fork and _exit; returns the exit status.</summary>
    private int ServeInChild()
    {
        // Only the parent accepts; the child's copy of the listening socket would only keep the port open. Closed
        // with close(2), not Socket.Dispose: the child runs no code the parent has not run (under the JIT, the
        // first call of a method costs the runtime work, in every child), and leaves with _exit anyway.
        Posix.Close(_listenFd);
        Serve(_clientFd, _clientPeer);
        Posix.Close(_clientFd);
        if (_leaveOrphan is { } stay)
        {
            Orphan.Leave(stay, log);
        }
        return ExitCodes.Ok;
    }

    /// <summary>One client's session on the bare descriptor; also the parent's warm-up, so that it compiles this path.</summary>
    private void Serve(int client, PeerAddress peer)
    {
        try
        {
            BlockingSessionRunner.Run(new DescriptorConnection(client), sessions, _childSession, _childBuffer);
        }
        catch (PosixException e) when (e.Errno == LibC.ECONNRESET || e.Errno == LibC.EPIPE || e.Errno == LibC.ETIMEDOUT)
        {
            string name = Posix.ErrnoName(e.Errno);
            string text = ChildLabel.Serving(peer).ToString();
            log.Info("client-vanished", $"child {Posix.GetPid()}: {text} went away mid-session ({name})",
                new LogField("peer", text), new LogField("error", name));
        }
    }

    private void RefuseBusy(int client, ChildLabel label, PosixException error)
    {
        string text = label.ToString();
        log.Error("fork-failed", $"{error.Message}; told {text} the server is busy and closed it",
            new LogField("peer", text), new LogField("error", error.Message));
        try
        {
            Posix.Write(client, "server busy, try again later\n"u8);
        }
        catch (PosixException)
        {
            // The client is gone already; there is nobody left to tell.
        }
        Posix.Close(client);
    }
}
