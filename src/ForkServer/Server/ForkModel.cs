using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
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
    private const int SweepMilliseconds = 1000;

    private readonly ChildTable _children = new();
    private readonly int _listenFd = (int)listener.Handle;
    private SignalWatcher _signals = null!;
    private Reaper _reaper = null!;
    private int _stopSignal;
    private long _served;

    public int Run()
    {
        Warmup.Run(sessions, listener.AddressFamily);
        InstallSignalHandling();
        _reaper = new Reaper(_children, log);
        log.Always("listening",
            $"listening on {Listener.Format(listener.LocalEndPoint)} (model fork, reap {Names.Of(options.Reap)}); watch the children with: ps -o pid,ppid,stat,cmd --ppid {Posix.GetPid()}",
            new LogField("address", Listener.Format(listener.LocalEndPoint)), new LogField("model", "fork"), new LogField("reap", Names.Of(options.Reap)));
        while (_stopSignal == 0)
        {
            bool clientWaiting = WaitForClientOrSignal();
            HandleSignals();
            if (options.Reap == ReapPolicy.Signal)
            {
                _reaper.ReapFinished();
            }
            if (clientWaiting && _stopSignal == 0)
            {
                AcceptAndFork();
            }
        }
        return Stop();
    }

    private void InstallSignalHandling()
    {
        if (options.Reap == ReapPolicy.Ignore)
        {
            Posix.SetSignalDisposition(Signals.SIGCHLD, SignalDisposition.Ignore);
        }
        int[] watched = options.Reap == ReapPolicy.Signal
            ? [Signals.SIGTERM, Signals.SIGINT, Signals.SIGCHLD]
            : [Signals.SIGTERM, Signals.SIGINT];
        _signals = new SignalWatcher(watched);
    }

    private bool WaitForClientOrSignal()
    {
        ReadOnlySpan<int> fds = [_listenFd, _signals.WakeFd];
        Span<bool> readable = stackalloc bool[2];
        Posix.PollReadable(fds, readable, SweepMilliseconds);
        return readable[0];
    }

    private void HandleSignals()
    {
        var pending = _signals.TakePending();
        if (pending.Contains(Signals.SIGTERM))
        {
            _stopSignal = Signals.SIGTERM;
        }
        else if (pending.Contains(Signals.SIGINT))
        {
            _stopSignal = Signals.SIGINT;
        }
    }

    private void AcceptAndFork()
    {
        Socket client;
        try
        {
            client = listener.Accept();
        }
        catch (SocketException e) when (e.SocketErrorCode is SocketError.WouldBlock or SocketError.ConnectionAborted)
        {
            // The client that made the socket readable gave up before we took it.
            return;
        }
        client.Blocking = true;
        string peer = Listener.Format(client.RemoteEndPoint);
        log.Info("accepted", $"accepted {peer}", new LogField("peer", peer));
        if (options.Reap == ReapPolicy.Accept)
        {
            _reaper.ReapFinished();
        }
        int pid;
        try
        {
            pid = Posix.Fork();
        }
        catch (PosixException e)
        {
            RefuseBusy(client, peer, e);
            return;
        }
        if (pid == 0)
        {
            RunChild(client, peer);
        }
        client.Dispose();
        _children.Add(pid, peer);
        _served++;
        log.Info("forked", $"forked child {pid} for {peer} ({_children.Count} children running)",
            new LogField("child", pid), new LogField("peer", peer), new LogField("running", _children.Count));
    }

    /// <summary>The child's whole life: it never returns into the parent's loop, whatever happens.</summary>
    [DoesNotReturn]
    private void RunChild(Socket client, string peer)
    {
        int status = 0;
        try
        {
            _signals.DetachInChild();
            listener.Dispose();
            BlockingSessionRunner.Run(client, sessions.Create(), sessions.MaxMessage);
            client.Dispose();
        }
        catch (SocketException e) when (e.SocketErrorCode is SocketError.ConnectionReset or SocketError.Shutdown)
        {
            log.Info("client-vanished", $"child {Posix.GetPid()}: {peer} went away mid-session ({e.SocketErrorCode})",
                new LogField("peer", peer), new LogField("error", e.SocketErrorCode.ToString()));
        }
        catch (Exception e)
        {
            log.Error("child-failed", $"child {Posix.GetPid()} serving {peer} failed: {e.Message}",
                new LogField("peer", peer), new LogField("error", e.Message));
            status = 1;
        }
        Posix.Exit(status);
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

    /// <summary>
    /// Graceful shutdown: stop accepting, SIGTERM every child, wait up to the grace time (a second signal cuts it
    /// short), SIGKILL what is left, reap everything, and say what happened.
    /// </summary>
    private int Stop()
    {
        listener.Dispose();
        if (options.Reap == ReapPolicy.Ignore)
        {
            // From here on children must stay waitable, so shutdown can tell when each one is gone.
            Posix.SetSignalDisposition(Signals.SIGCHLD, SignalDisposition.Default);
        }
        _reaper.ReapFinished();
        int running = _children.Count;
        log.Info("stopping",
            $"{Signals.Name(_stopSignal)} received: stopped accepting; sending SIGTERM to {running} children, waiting up to {options.Grace.TotalSeconds:0.#} s",
            new LogField("signal", Signals.Name(_stopSignal)), new LogField("running", running), new LogField("grace_seconds", options.Grace.TotalSeconds));
        _children.SignalAll(Signals.SIGTERM);
        var grace = Stopwatch.StartNew();
        bool hurry = false;
        Span<bool> woken = stackalloc bool[1];
        while (_children.Count > 0 && grace.Elapsed < options.Grace && !hurry)
        {
            int waitMs = (int)Math.Clamp((options.Grace - grace.Elapsed).TotalMilliseconds, 1, 50);
            Posix.PollReadable([_signals.WakeFd], woken, waitMs);
            var pending = _signals.TakePending();
            hurry = pending.Contains(Signals.SIGTERM) || pending.Contains(Signals.SIGINT);
            _reaper.ReapFinished();
        }
        int killed = _children.SignalAll(Signals.SIGKILL);
        if (killed > 0)
        {
            log.Info("killing", $"{(hurry ? "second signal" : "grace time over")}: sent SIGKILL to {killed} children",
                new LogField("killed", killed));
        }
        _reaper.ReapAllListed();
        _reaper.ReapFinished();
        log.Info("stopped", $"stopped: served {_served} clients; {running} were running at shutdown, {killed} killed with SIGKILL",
            new LogField("served", _served), new LogField("running_at_shutdown", running), new LogField("killed", killed));
        return ExitCodes.Ok;
    }
}
