using System.Diagnostics;
using System.Runtime.Versioning;
using ForkServer.Interop;
using ForkServer.Logging;
using ForkServer.Networking;
using ForkServer.Sessions;
using ForkServer.Supervision;

namespace ForkServer.Models.InProcess;

/// <summary>
/// The tutorial's threaded server, and with one session at a time its iterative one: the main thread only waits
/// (poll on the listening socket, the signal funnel and a wake-up pipe), accepts and hands each client to a thread of
/// its own (a real thread, not the pool) that runs the blocking session. Threads share the process, so there is
/// nothing to fork and nothing to reap. At most <c>--max-children</c> sessions (1 for iterative) run at once; further
/// clients wait in the listen backlog until one ends, as the tutorial's iterative server leaves them in the kernel's
/// accept queue.
/// </summary>
[SupportedOSPlatform("linux")]
public sealed class ThreadModel(ServeOptions options, int listenFd, SessionFactory sessions, EventLog log)
{
    private readonly SessionHost _host = new(log, options.MaxPerIp);
    private readonly List<Thread> _threads = [];
    private readonly bool _iterative = options.Model == ConcurrencyModel.Iterative;
    private (int Read, int Write) _wake;

    public int Run(SignalFunnel funnel)
    {
        var gate = new AcceptGate(_iterative ? 1 : options.MaxChildren, "sessions", log, options.Rate);
        // A session that ends writes a byte here, so a loop that stopped accepting at the limit looks again.
        _wake = Posix.Pipe();
        string address = Listener.Where(listenFd);
        string model = Cli.Names.Of(options.Model);
        log.Listening(address, $"model {model}, {(_iterative ? "one client at a time" : "a thread per client")}", null,
            new LogField("model", model));
        Span<PollEntry> wait =
        [
            new PollEntry(listenFd, PollEntry.Readable), new PollEntry(funnel.Fd, PollEntry.Readable), new PollEntry(_wake.Read, PollEntry.Readable),
        ];
        Span<byte> drain = stackalloc byte[64];
        while (!_host.Stop.Requested)
        {
            bool accepting = gate.IsOpen(_host.Count);
            wait[0].Fd = accepting ? listenFd : -1;
            Posix.Poll(wait, gate.WaitMilliseconds(-1));
            if (wait[1].CanRead)
            {
                ServerSignals.Dispatch(funnel, _host, log);
            }
            if (wait[2].CanRead)
            {
                while (Posix.Read(_wake.Read, drain) > 0)
                {
                }
            }
            if (accepting && !_host.Stop.Requested)
            {
                if (wait[0].CanRead)
                {
                    Accept(gate);
                }
                else
                {
                    gate.BacklogEmpty(_host.Count);
                }
            }
        }
        Readiness.Stopping(log);
        Posix.Close(listenFd);
        int open = _host.EndAll(options.Grace);
        // The stop shut every connection down, so each thread is on its way out; wait for them, within the grace time.
        var clock = Stopwatch.StartNew();
        int left = _threads.Count(t => !t.Join(Max(options.Grace - clock.Elapsed, TimeSpan.Zero)));
        _host.Stopped(open, left);
        return Cli.ExitCodes.Ok;
    }

    private void Accept(AcceptGate gate)
    {
        int client = _host.Accept(listenFd, gate, nonBlocking: false, out var peer);
        if (client < 0)
        {
            return;
        }
        var thread = new Thread(() => Serve(client, peer), maxStackSize: 256 * 1024) { IsBackground = true, Name = "session" };
        _threads.RemoveAll(t => !t.IsAlive);
        try
        {
            thread.Start();
        }
        catch (Exception e) when (e is OutOfMemoryException or ThreadStartException)
        {
            _host.Closed(client);
            // .NET reports every failed pthread_create as "insufficient memory", most often at the limit on processes.
            string why = e is OutOfMemoryException ? "pthread_create failed: the limit on processes and threads (ulimit -u) or memory" : e.Message;
            Refusal.ServerBusy(client, peer, $"cannot start a thread: {why}", log);
            return;
        }
        _threads.Add(thread);
        log.Info("accepted",
            _iterative ? $"accepted {peer}; the next client waits until this one is done" : $"accepted {peer}; serving it on a new thread ({_host.Count} clients open)",
            new LogField("peer", peer.ToString()), new LogField("running", _host.Count));
    }

    /// <summary>A session thread's life: the session, a line saying how it ended, the close, a wake-up for the loop.</summary>
    private void Serve(int client, PeerAddress peer)
    {
        try
        {
            var end = BlockingSessionRunner.Run(new DescriptorConnection(client, sessions.ListenerTimeouts), sessions, sessions.Create(), new byte[sessions.MaxMessage]);
            log.Info("closed", $"{peer}: session over ({SessionEnds.Describe(end, sessions)})",
                new LogField("peer", peer.ToString()), new LogField("end", end.ToString()));
        }
        catch (Exception e) when (e is PosixException or OutOfMemoryException)
        {
            // One session's failure ends that session only, never the server.
            log.Error("session-failed", $"{peer}: session failed: {e.Message}", new LogField("peer", peer.ToString()), new LogField("error", e.Message));
        }
        _host.Closed(client);
        Posix.Close(client);
        Posix.Write(_wake.Write, [1]);
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;
}
