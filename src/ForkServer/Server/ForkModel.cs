using System.Net.Sockets;
using ForkServer.Interop;
using ForkServer.Logging;
using ForkServer.Protocols;

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

    public int Run()
    {
        Warmup.Run(sessions, listener.AddressFamily);
        _supervisor = new Supervisor(options.Reap, log);
        // Only children ever call ServeInChild: compiled here, once, it is not compiled again in every child.
        ChildCode.Prepare((Func<Socket, string, int>)ServeInChild);
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
        Socket? client;
        try
        {
            client = Listener.AcceptReady(listener);
        }
        catch (SocketException e) when (e.SocketErrorCode is SocketError.TooManyOpenSockets or SocketError.NoBufferSpaceAvailable)
        {
            _gate.OutOfResources(e);
            return;
        }
        if (client is null)
        {
            return;
        }
        _gate.Accepted();
        client.Blocking = true;
        string peer = Listener.Format(client.RemoteEndPoint);
        log.Info("accepted", $"accepted {peer}", new LogField("peer", peer));
        if (options.Reap == ReapPolicy.Accept)
        {
            _supervisor.ReapFinished();
        }
        int pid;
        try
        {
            pid = _supervisor.Fork(peer, () => ServeInChild(client, peer));
        }
        catch (PosixException e)
        {
            RefuseBusy(client, peer, e);
            return;
        }
        client.Dispose();
        _served++;
        int running = _supervisor.Children.Count;
        log.Info("forked", $"forked child {pid} for {peer} ({running} children running)",
            new LogField("child", pid), new LogField("peer", peer), new LogField("running", running));
    }

    /// <summary>The child's whole life, run between fork and _exit; returns the exit status.</summary>
    private int ServeInChild(Socket client, string peer)
    {
        // Only the parent accepts; the child's copy of the listening socket would only keep the port open.
        listener.Dispose();
        try
        {
            BlockingSessionRunner.Run(client, sessions, _childSession, _childBuffer);
        }
        catch (SocketException e) when (e.SocketErrorCode is SocketError.ConnectionReset or SocketError.ConnectionAborted or SocketError.Shutdown or SocketError.TimedOut)
        {
            log.Info("client-vanished", $"child {Posix.GetPid()}: {peer} went away mid-session ({e.SocketErrorCode})",
                new LogField("peer", peer), new LogField("error", e.SocketErrorCode.ToString()));
        }
        client.Dispose();
        if (options.LeaveOrphan is { } stay)
        {
            Orphan.Leave(stay, log);
        }
        return ExitCodes.Ok;
    }

    private void RefuseBusy(Socket client, string peer, PosixException error)
    {
        log.Error("fork-failed", $"{error.Message}; told {peer} the server is busy and closed it",
            new LogField("peer", peer), new LogField("error", error.Message));
        try
        {
            client.Send("server busy, try again later\n"u8);
        }
        catch (SocketException)
        {
            // The client is gone already; there is nobody left to tell.
        }
        client.Dispose();
    }
}
