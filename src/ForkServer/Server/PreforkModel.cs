using System.Net.Sockets;
using ForkServer.Interop;
using ForkServer.Logging;
using ForkServer.Protocols;

namespace ForkServer.Server;

/// <summary>
/// The preforking server, as Apache's prefork MPM and gunicorn's sync workers: N workers forked at start each block in
/// accept(2) on the shared listening socket (the kernel hands each connection to one of them) and serve one client
/// after another; the parent only watches, replaces a worker that dies, and on SIGTERM or SIGINT stops them as the
/// fork model stops its children. No fork per client: the fork's cost is paid once per worker.
/// </summary>
public sealed class PreforkModel(ServeOptions options, Socket listener, SessionFactory sessions, EventLog log)
{
    /// <summary>The longest a dead worker waits to be replaced.</summary>
    private const int SweepMilliseconds = 1000;

    private readonly SharedCounter _served = new();
    // Each worker's own copy, made before the fork: it logs a worker's episode of running out of descriptors when it
    // starts and when it ends, as the fork model does, not at every retry. No child limit applies to a worker.
    private readonly AcceptGate _workerGate = new(int.MaxValue, log);
    private Supervisor _supervisor = null!;

    public int Run()
    {
        Warmup.Run(listener.AddressFamily, warmed => BlockingSessionRunner.Run(warmed, sessions));
        // No SIGCHLD watching: the loop reaps on its one-second sweep. A worker dies rarely, and this way the
        // signal-watcher thread sleeps in its system call whenever a worker is forked (a thread running managed code
        // at the moment of fork leaves the child's allocator or GC waiting for it forever).
        _supervisor = new Supervisor(ReapPolicy.Accept, log);
        // Workers first, so that the listening line means the server is ready to serve.
        StartMissingWorkers();
        string address = Listener.Format(listener.LocalEndPoint);
        log.Always("listening",
            $"listening on {address} (model prefork, {options.Workers} workers); watch the workers with: ps -o pid,ppid,stat,cmd --ppid {Posix.GetPid()}",
            new LogField("address", address), new LogField("model", "prefork"), new LogField("workers", options.Workers));
        Span<bool> woken = stackalloc bool[1];
        while (_supervisor.StopSignal == 0)
        {
            Posix.PollReadable([_supervisor.WakeFd], woken, SweepMilliseconds);
            _supervisor.HandleSignals();
            _supervisor.ReapFinished();
            if (_supervisor.StopSignal == 0)
            {
                StartMissingWorkers();
            }
        }
        listener.Dispose();
        _supervisor.Stop(options.Grace, _served.Value);
        return ExitCodes.Ok;
    }

    private void StartMissingWorkers()
    {
        while (_supervisor.Children.Count < options.Workers)
        {
            int pid;
            try
            {
                pid = _supervisor.Fork("worker", Work);
            }
            catch (PosixException e)
            {
                log.Error("fork-failed", $"{e.Message}; will try again in {SweepMilliseconds / 1000} s", new LogField("error", e.Message));
                return;
            }
            log.Info("worker-started", $"started worker {pid} ({_supervisor.Children.Count} of {options.Workers} running)",
                new LogField("child", pid), new LogField("running", _supervisor.Children.Count));
        }
    }

    /// <summary>A worker's life: accept, serve, close, forever, until a signal ends it.</summary>
    private int Work()
    {
        while (true)
        {
            Socket client;
            try
            {
                client = listener.Accept();
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.TooManyOpenSockets or SocketError.NoBufferSpaceAvailable)
            {
                _workerGate.OutOfResources($"worker {Posix.GetPid()}: accept failed: {e.Message} ({e.SocketErrorCode})");
                // The listening socket stays readable while descriptors are short: retrying at once would spin.
                Thread.Sleep(AcceptGate.Backoff);
                continue;
            }
            catch (SocketException e)
            {
                // A client that gave up in the queue: this worker goes on with the next one.
                log.Error("accept-failed", $"worker {Posix.GetPid()}: accept failed: {e.SocketErrorCode}", new LogField("error", e.SocketErrorCode.ToString()));
                continue;
            }
            _workerGate.Accepted();
            string peer = Listener.Format(client.RemoteEndPoint);
            log.Info("accepted", $"worker {Posix.GetPid()} accepted {peer}", new LogField("peer", peer));
            try
            {
                BlockingSessionRunner.Run(client, sessions);
            }
            catch (SocketException e)
            {
                log.Info("client-vanished", $"worker {Posix.GetPid()}: {peer} went away mid-session ({e.SocketErrorCode})",
                    new LogField("peer", peer), new LogField("error", e.SocketErrorCode.ToString()));
            }
            // Counted before the close, so a client that has seen the end of its session is already counted.
            _served.Increment();
            client.Dispose();
        }
    }
}
