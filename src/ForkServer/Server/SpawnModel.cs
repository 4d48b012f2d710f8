using System.ComponentModel;
using System.Diagnostics;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using ForkServer.Cli;
using ForkServer.Interop;
using ForkServer.Logging;

namespace ForkServer.Server;

/// <summary>
/// The process-spawn server, for where fork(2) does not exist (Windows), and on any system with --model spawn: the
/// parent accepts, starts forkserver again in its hidden child role (<see cref="SpawnedChild"/>) with
/// System.Diagnostics.Process, hands it the connected socket (<see cref="SocketHandover"/>) and goes back to accept.
/// Process.Start makes the runtime handle SIGCHLD and reap the processes it started, so this model never calls
/// waitpid nor watches SIGCHLD itself: it learns of each exit from <see cref="Process.Exited"/>.
/// </summary>
public sealed class SpawnModel(ServeOptions options, Socket listener, EventLog log)
{
    /// <summary>The longest the accept loop goes without looking whether a stop signal came.</summary>
    private const int AcceptWaitMicroseconds = 200_000;

    /// <summary>How long the stop waits for killed children to be reported gone.</summary>
    private static readonly TimeSpan KillWait = TimeSpan.FromSeconds(10);

    // Guards the table and the signal counts: Exited handlers and signal handlers run on other threads.
    private readonly object _gate = new();
    private readonly Dictionary<int, Spawned> _children = [];
    private readonly AcceptGate _acceptGate = new(options.MaxChildren, log);
    private PosixSignal? _stopSignal;
    private int _stopSignals;
    private long _served;

    public int Run()
    {
        using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnStopSignal);
        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnStopSignal);
        string address = Listener.Format(listener.LocalEndPoint);
        log.Always("listening",
            $"listening on {address} (model spawn); watch the children with: ps -o pid,ppid,stat,cmd --ppid {Environment.ProcessId}",
            new LogField("address", address), new LogField("model", "spawn"));
        while (!StopRequested)
        {
            if (!_acceptGate.IsOpen(Running))
            {
                WaitForAnExit();
            }
            else if (listener.Poll(AcceptWaitMicroseconds, SelectMode.SelectRead))
            {
                AcceptAndSpawn();
            }
            else
            {
                _acceptGate.BacklogEmpty(Running);
            }
        }
        listener.Dispose();
        Stop();
        return ExitCodes.Ok;
    }

    private bool StopRequested
    {
        get
        {
            lock (_gate)
            {
                return _stopSignal is not null;
            }
        }
    }

    private void OnStopSignal(PosixSignalContext context)
    {
        // The server stops on its own terms: children first, then a summary.
        context.Cancel = true;
        lock (_gate)
        {
            _stopSignal ??= context.Signal;
            _stopSignals++;
            Monitor.PulseAll(_gate);
        }
    }

    private void AcceptAndSpawn()
    {
        if (Listener.AcceptReady(listener) is not { } client)
        {
            return;
        }
        _acceptGate.Accepted();
        string peer = Listener.Format(client.RemoteEndPoint);
        log.Info("accepted", $"accepted {peer}", new LogField("peer", peer));
        int pid;
        try
        {
            pid = Spawn(client, peer);
        }
        catch (Exception e) when (e is Win32Exception or PosixException)
        {
            log.Error("spawn-failed", $"cannot start a child for {peer}: {e.Message}; closed it",
                new LogField("peer", peer), new LogField("error", e.Message));
            return;
        }
        finally
        {
            client.Dispose();
        }
        _served++;
        int running = Running;
        log.Info("spawned", $"spawned child {pid} for {peer} ({running} children running)",
            new LogField("child", pid), new LogField("peer", peer), new LogField("running", running));
    }

    /// <summary>Starts a child for <paramref name="client"/> and hands the socket over; returns the child's pid.</summary>
    private int Spawn(Socket client, string peer)
    {
        if (OperatingSystem.IsWindows())
        {
            var child = Start(SpawnedChildCommand.StartInfo(options, peer, fd: null), peer);
            SocketHandover.DuplicateInto(client, child);
            return child.Id;
        }
        int fd = SocketHandover.Inheritable(client);
        try
        {
            return Start(SpawnedChildCommand.StartInfo(options, peer, fd), peer).Id;
        }
        finally
        {
            // The child has its own copy now (or none, if it could not start).
            Posix.Close(fd);
        }
    }

    private Process Start(ProcessStartInfo start, string peer)
    {
        var child = new Process { StartInfo = start, EnableRaisingEvents = true };
        child.Exited += (_, _) => OnExited(child);
        // Held across Start, so that a child that exits at once is in the table before its Exited handler looks.
        lock (_gate)
        {
            child.Start();
            _children.Add(child.Id, new Spawned(child, peer, Stopwatch.GetTimestamp()));
        }
        return child;
    }

    private void OnExited(Process child)
    {
        int code = child.ExitCode;
        // On Unix the runtime reports a child killed by a signal as 128 + its number, as a shell does.
        string? signal = !OperatingSystem.IsWindows() && code > 128 ? Signals.Name(code - 128) : null;
        string status = signal is null ? $"exited with status {code}" : $"killed by {signal}";
        // Logged before the stop can see the table empty, so that no exit goes unreported when the server ends.
        lock (_gate)
        {
            if (!_children.Remove(child.Id, out var spawned))
            {
                return;
            }
            int running = _children.Count;
            log.Info("reaped",
                $"child {child.Id} {status} after {Stopwatch.GetElapsedTime(spawned.StartedTimestamp).TotalMilliseconds:0} ms; reaped ({running} children running)",
                new LogField("child", child.Id), new LogField("peer", spawned.Peer), new LogField("status", status),
                new LogField("exit_code", signal is null ? code : null), new LogField("signal", signal), new LogField("running", running));
            Monitor.PulseAll(_gate);
        }
        child.Dispose();
    }

    /// <summary>
    /// Graceful stop, as in the fork model: SIGTERM every child (on Windows, which has no signals, end it), wait up to
    /// --grace (a second signal cuts it short), kill what is left, wait until every exit is seen, and log a summary.
    /// </summary>
    private void Stop()
    {
        Process[] children = Snapshot();
        string signal = _stopSignal?.ToString() ?? "SIGTERM";
        log.Info("stopping",
            $"{signal} received: stopped accepting; sending SIGTERM to {children.Length} children, waiting up to {options.Grace.TotalSeconds:0.#} s",
            new LogField("signal", signal), new LogField("running", children.Length), new LogField("grace_seconds", options.Grace.TotalSeconds));
        foreach (var child in children)
        {
            Terminate(child);
        }
        bool hurry = WaitForChildren(options.Grace, untilSecondSignal: true);
        Process[] left = Snapshot();
        foreach (var child in left)
        {
            Kill(child);
        }
        if (left.Length > 0)
        {
            log.Info("killing", $"{(hurry ? "second signal" : "grace time over")}: killed {left.Length} children",
                new LogField("killed", left.Length));
        }
        WaitForChildren(KillWait, untilSecondSignal: false);
        log.Info("stopped", $"stopped: served {_served} clients; {children.Length} were running at shutdown, {left.Length} killed",
            new LogField("served", _served), new LogField("running_at_shutdown", children.Length), new LogField("killed", left.Length));
    }

    private static void Terminate(Process child)
    {
        if (OperatingSystem.IsWindows())
        {
            Kill(child);
            return;
        }
        Posix.Kill(child.Id, Signals.SIGTERM);
    }

    private static void Kill(Process child)
    {
        try
        {
            child.Kill();
        }
        catch (InvalidOperationException)
        {
            // It exited on its own in the meantime.
        }
    }

    /// <summary>At --max-children: sleeps until a child exits or a stop signal comes (or a while passes).</summary>
    private void WaitForAnExit()
    {
        lock (_gate)
        {
            Monitor.Wait(_gate, TimeSpan.FromMicroseconds(AcceptWaitMicroseconds));
        }
    }

    /// <summary>Waits until no child is left or the time is up; true if a second stop signal came.</summary>
    private bool WaitForChildren(TimeSpan limit, bool untilSecondSignal)
    {
        var clock = Stopwatch.StartNew();
        lock (_gate)
        {
            while (_children.Count > 0 && clock.Elapsed < limit && !(untilSecondSignal && _stopSignals > 1))
            {
                Monitor.Wait(_gate, TimeSpan.FromMilliseconds(Math.Max(1, (limit - clock.Elapsed).TotalMilliseconds)));
            }
            return _stopSignals > 1;
        }
    }

    private int Running
    {
        get
        {
            lock (_gate)
            {
                return _children.Count;
            }
        }
    }

    private Process[] Snapshot()
    {
        lock (_gate)
        {
            return [.. _children.Values.Select(c => c.Process)];
        }
    }

    private readonly record struct Spawned(Process Process, string Peer, long StartedTimestamp);
}
