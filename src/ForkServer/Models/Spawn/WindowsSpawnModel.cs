using System.ComponentModel;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using ForkServer.Interop;
using ForkServer.Interop.Windows;
using ForkServer.Logging;
using ForkServer.Net;
using ForkServer.Networking;
using ForkServer.Sessions;

namespace ForkServer.Models.Spawn;

/// <summary>
/// The server where fork(2) does not exist (Windows): the parent accepts, starts this program again in its hidden child
/// role (<see cref="SpawnedChild"/>) with System.Diagnostics.Process, hands it the connected socket
/// (<see cref="SocketHandover"/>) and goes back to accept. Windows has no signals and no waitpid: Ctrl-C (or Ctrl-Break)
/// asks for the stop, and each exit is learnt from <see cref="Process.Exited"/>. Every child is in the server's job
/// object, which ends them when the server ends, as the parent-death signal does on Linux. With <c>--workers N</c>, N
/// children are started ahead and wait on their standard input (<see cref="PoolLine"/>), and another is started in
/// the place of each that gets a client; with <c>--clients-per-child M</c> each says on its standard output when it
/// is done with a client, and waits for the next.
/// </summary>
[SupportedOSPlatform("windows")]
public sealed class WindowsSpawnModel(ServeOptions options, IPAddress address, SessionFactory sessions, EventLog log)
{
    /// <summary>The longest the accept loop goes without looking whether a stop was asked for.</summary>
    private const int AcceptWaitMicroseconds = 200_000;

    /// <summary>How long the stop waits for ended children to be reported gone.</summary>
    private static readonly TimeSpan KillWait = TimeSpan.FromSeconds(10);

    /// <summary>How long a console-close or shutdown handler holds the process for the stop (Windows gives it 5 s).</summary>
    private static readonly TimeSpan LastWordsWait = TimeSpan.FromSeconds(4);

    // Guards the table and the stop requests: Exited handlers and the Ctrl-C handler run on other threads.
    private readonly object _gate = new();
    private readonly Dictionary<int, Spawned> _children = [];
    private readonly AcceptGate _acceptGate = new(options.MaxChildren, "children", log, options.Rate);
    private readonly SourceLimit _sources = new(options.MaxPerIp, log);
    private readonly (string Path, List<string> Leading) _self = SelfCommand.Get();
    private readonly JobObject _job = JobObject.KillOnClose();
    private PosixSignal? _stopAskedBy;
    private readonly HashSet<int> _ended = [];
    // The pool's children (guarded by _gate, as the table: a child says it is back on a thread of the runtime's).
    private readonly PoolLine? _line = options.WorkersGiven ? new PoolLine(options.Workers, options.ClientsPerChild ?? 1) : null;
    // When the pool may try again to start a child, after Windows refused one (Stopwatch ticks).
    private long _refillAfter;
    private readonly ManualResetEventSlim _stopped = new();
    private long _served;

    public int Run()
    {
        using var listener = Open();
        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnStop);
        using var quit = PosixSignalRegistration.Create(PosixSignal.SIGQUIT, OnStop);
        using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnStop);
        using var hangup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, OnStop);
        string where = Addresses.Format(listener.LocalEndPoint);
        string image = Path.GetFileName(_self.Leading[0]);
        log.Listening(where, "model spawn",
            $"watch the children with: tasklist /fi \"IMAGENAME eq {image}\" or, in PowerShell, Get-CimInstance Win32_Process -Filter \"ParentProcessId={Environment.ProcessId}\"",
            new LogField("model", "spawn"));
        if (_line is not null)
        {
            Refill();
            string each = _line.ClientsPerChild == 1 ? "" : $", each to serve up to {_line.ClientsPerChild} clients";
            log.Info("pool", $"{Waiting} children started and waiting for clients{each}", new LogField("waiting", Waiting),
                new LogField("clients_per_child", _line.ClientsPerChild));
        }
        while (StopAskedBy is null)
        {
            Refill();
            // Children waiting in the pool serve no one yet: --max-children counts those that do.
            if (!_acceptGate.IsOpen(Serving))
            {
                WaitForAnExit();
            }
            else if (listener.Poll(AcceptWaitMicroseconds, SelectMode.SelectRead))
            {
                AcceptAndSpawn(listener);
            }
            else
            {
                _acceptGate.BacklogEmpty(Serving);
            }
        }
        listener.Close();
        Stop();
        _stopped.Set();
        return Cli.ExitCodes.Ok;
    }

    private Socket Open()
    {
        var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            if (address.Equals(IPAddress.IPv6Any))
            {
                socket.DualMode = true;
            }
            socket.Bind(new IPEndPoint(address, options.Port));
            socket.Listen(ListenQueue.Length);
            return socket;
        }
        catch (SocketException e)
        {
            socket.Dispose();
            throw new Cli.StartupException(BindFailure.Explain(BindFailure.From(e), address, options.Port, udp: false));
        }
    }

    private PosixSignal? StopAskedBy
    {
        get
        {
            lock (_gate)
            {
                return _stopAskedBy;
            }
        }
    }

    /// <summary>A console event, which .NET names after the signal nearest to it.</summary>
    private void OnStop(PosixSignalContext context)
    {
        // The server stops on its own terms: children first, then a summary.
        context.Cancel = true;
        lock (_gate)
        {
            _stopAskedBy ??= context.Signal;
            Monitor.PulseAll(_gate);
        }
        if (context.Signal is PosixSignal.SIGHUP or PosixSignal.SIGTERM)
        {
            // Windows ends the process as soon as a close or shutdown handler returns: hold it for the stop's summary.
            _stopped.Wait(LastWordsWait);
        }
    }

    private static (string Name, string Words) ConsoleEvent(PosixSignal? signal) => signal switch
    {
        PosixSignal.SIGINT => ("CTRL_C_EVENT", "Ctrl-C"),
        PosixSignal.SIGQUIT => ("CTRL_BREAK_EVENT", "Ctrl-Break"),
        PosixSignal.SIGHUP => ("CTRL_CLOSE_EVENT", "the console is closing"),
        _ => ("CTRL_SHUTDOWN_EVENT", "Windows is shutting down"),
    };

    private void AcceptAndSpawn(Socket listener)
    {
        Socket client;
        try
        {
            client = listener.Accept();
        }
        catch (SocketException e) when (e.SocketErrorCode is SocketError.TooManyOpenSockets or SocketError.NoBufferSpaceAvailable)
        {
            _acceptGate.OutOfResources($"accept failed: {e.SocketErrorCode}");
            return;
        }
        catch (SocketException)
        {
            // The client gave up before we took it.
            return;
        }
        _acceptGate.Accepted();
        var source = PeerAddress.From((IPEndPoint)client.RemoteEndPoint!);
        if (_sources.TryAdmit(source) == 0)
        {
            client.Send(SourceLimit.RefusalLine, SocketFlags.None, out _);
            client.Dispose();
            return;
        }
        string peer = Addresses.Format(client.RemoteEndPoint);
        log.Info("accepted", $"accepted {peer}", new LogField("peer", peer));
        Process? child = null;
        bool waited;
        try
        {
            child = TakeWaiting(peer, source, out bool last);
            waited = child is not null;
            child ??= Start(peer, source);
            SocketHandover.DuplicateInto(client, child, last || !waited);
        }
        catch (Exception e) when (e is Win32Exception or InvalidOperationException or SocketException or IOException)
        {
            // A child that did not get its client would wait for it until the stop.
            if (child is not null)
            {
                End(child);
            }
            log.Error("busy", $"cannot start a child for {peer}: {e.Message}; told {peer} the server is busy and closed it",
                new LogField("peer", peer), new LogField("error", e.Message));
            client.Send("server busy, try again later\n"u8, SocketFlags.None, out _);
            _sources.Release(source);
            return;
        }
        finally
        {
            client.Dispose();
        }
        _served++;
        int pid = child.Id;
        int running = Running;
        if (waited)
        {
            log.Info("handed", $"handed {peer} to waiting child {pid} ({Serving} children serving, {running - Serving} waiting); see it: tasklist /fi \"PID eq {pid}\"",
                new LogField("child", pid), new LogField("peer", peer), new LogField("running", running));
            return;
        }
        log.Info("spawned", $"spawned child {pid} for {peer} ({running} children running); see it: tasklist /fi \"PID eq {pid}\"",
            new LogField("child", pid), new LogField("peer", peer), new LogField("running", running));
    }

    /// <summary>
    /// The next child of the pool (<see cref="PoolLine"/>), now labelled with its client; null when none waits, even
    /// after <see cref="PoolLine.ReturnWaitMilliseconds"/> for one serving to come back. <paramref name="last"/>: this
    /// is the child's last client.
    /// </summary>
    private Process? TakeWaiting(string peer, PeerAddress source, out bool last)
    {
        last = false;
        if (_line is null)
        {
            return null;
        }
        lock (_gate)
        {
            int pid = _line.Take(out last);
            if (pid == 0 && _line.Returning > 0)
            {
                Monitor.Wait(_gate, PoolLine.ReturnWaitMilliseconds);
                pid = _line.Take(out last);
            }
            // The line forgets a child in the same lock that takes it off the table: a pid taken is in the table.
            if (pid == 0)
            {
                return null;
            }
            var spawned = _children[pid];
            _children[pid] = spawned with { Peer = peer, Source = source };
            return spawned.Process;
        }
    }

    /// <summary>
    /// Starts children to wait until the pool has enough (<see cref="PoolLine.NeedsChild"/>): at start, after each
    /// client handed over, after a child of the pool exits. Should Windows refuse one (logged), the pool tries again a
    /// second later, not at every turn of the loop.
    /// </summary>
    private void Refill()
    {
        while (_line is not null && Stopwatch.GetTimestamp() >= _refillAfter && NeedsChild)
        {
            try
            {
                Start(null, null);
            }
            catch (Exception e) when (e is Win32Exception or InvalidOperationException)
            {
                log.Error("pool", $"cannot start a child to wait for clients: {e.Message}", new LogField("error", e.Message));
                _refillAfter = Stopwatch.GetTimestamp() + Stopwatch.Frequency;
            }
        }
    }

    /// <summary>
    /// A pool child's standard output: <see cref="SocketHandover.ReadyLine"/> says it is done with its client. It waits
    /// in line again, or is told to go (its standard input ends) when enough wait already; either way its client no
    /// longer counts against its source.
    /// </summary>
    private void OnOutput(Process child, string? line)
    {
        if (line != SocketHandover.ReadyLine)
        {
            return;
        }
        lock (_gate)
        {
            if (_line!.Return(child.Id) is not { } kept || !_children.TryGetValue(child.Id, out var spawned))
            {
                return;
            }
            if (spawned.Source is { } source)
            {
                _sources.Release(source);
            }
            _children[child.Id] = spawned with { Peer = "waiting", Source = null };
            if (!kept)
            {
                child.StandardInput.Close();
            }
            _line.LogReturn(log, child.Id, kept);
            Monitor.PulseAll(_gate);
        }
    }

    /// <summary>Ends <paramref name="child"/> (TerminateProcess), noted so that its exit is reported as the server's doing.</summary>
    private void End(Process child)
    {
        try
        {
            lock (_gate)
            {
                _ended.Add(child.Id);
            }
            child.Kill();
        }
        catch (InvalidOperationException)
        {
            // It exited on its own in the meantime.
        }
    }

    /// <param name="peer">The client it is for; null for a child that joins the pool to wait.</param>
    /// <param name="source">That client, counted for <c>--max-per-ip</c> until the child exits.</param>
    private Process Start(string? peer, PeerAddress? source)
    {
        // A pool child that serves several clients says on its standard output when it waits for the next.
        int clients = peer is null ? _line!.ClientsPerChild : 1;
        var start = new ProcessStartInfo(_self.Path) { UseShellExecute = false, RedirectStandardInput = true, RedirectStandardOutput = clients > 1 };
        var words = _self.Leading.Skip(1).Append(SelfCommand.SpawnedChild);
        words = peer is null ? words.Append("--clients").Append(clients.ToString(System.Globalization.CultureInfo.InvariantCulture))
            : words.Append("--peer").Append(peer);
        foreach (string word in words)
        {
            start.ArgumentList.Add(word);
        }
        start.Environment[SpawnSettings.Variable] = SpawnSettings.Encode(sessions, options.LogFormat, options.Quiet);
        start.Environment["DOTNET_TieredCompilation"] = "1";
        var child = new Process { StartInfo = start, EnableRaisingEvents = true };
        child.Exited += (_, _) => OnExited(child);
        if (clients > 1)
        {
            child.OutputDataReceived += (_, e) => OnOutput(child, e.Data);
        }
        // Held across Start, so that a child that exits at once is in the table before its Exited handler looks.
        lock (_gate)
        {
            child.Start();
            _children.Add(child.Id, new Spawned(child, peer ?? "waiting", source, Stopwatch.GetTimestamp()));
            if (peer is null)
            {
                _line!.Started(child.Id);
            }
        }
        if (clients > 1)
        {
            child.BeginOutputReadLine();
        }
        // Should the server die before the child joins the job, the child has no client yet and exits when its
        // standard input ends.
        try
        {
            _job.Add(child);
        }
        catch (Win32Exception)
        {
            child.Kill();
            throw;
        }
        return child;
    }

    private void OnExited(Process child)
    {
        int code = child.ExitCode;
        string why = SessionEnds.DescribeExitCode(code, sessions) is { } text ? $" ({text})" : "";
        // Logged before the stop can see the table empty, so that no exit goes unreported when the server ends.
        lock (_gate)
        {
            if (!_children.Remove(child.Id, out var spawned))
            {
                return;
            }
            _line?.Forget(child.Id);
            if (spawned.Source is { } source)
            {
                _sources.Release(source);
            }
            int running = _children.Count;
            // TerminateProcess leaves the exit status it was given (-1 from Process.Kill): say who ended it instead.
            string how = _ended.Remove(child.Id) ? "was ended by the server (TerminateProcess)" : $"exited with status {code}{why}";
            log.Info("reaped",
                $"child {child.Id} {how} after {Stopwatch.GetElapsedTime(spawned.StartedTimestamp).TotalMilliseconds:0} ms ({running} children running)",
                new LogField("child", child.Id), new LogField("peer", spawned.Peer), new LogField("status", $"exited with status {code}"),
                new LogField("exit_code", code), new LogField("running", running));
            Monitor.PulseAll(_gate);
        }
        child.Dispose();
    }

    /// <summary>
    /// The stop: Windows has no SIGTERM to give a child a chance, so every child is ended at once (TerminateProcess)
    /// and the server waits until every exit is seen, then logs a summary. <c>--grace</c> has nothing to wait for.
    /// </summary>
    private void Stop()
    {
        Process[] children = Snapshot();
        var (name, words) = ConsoleEvent(StopAskedBy);
        log.Info("stopping", $"stop asked for ({words}): stopped accepting; ending {children.Length} children with TerminateProcess",
            new LogField("event", name), new LogField("running", children.Length));
        foreach (var child in children)
        {
            End(child);
        }
        var clock = Stopwatch.StartNew();
        lock (_gate)
        {
            while (_children.Count > 0 && clock.Elapsed < KillWait)
            {
                Monitor.Wait(_gate, TimeSpan.FromMilliseconds(100));
            }
        }
        log.Summary("stopped", $"stopped: served {_served} clients; {children.Length} were running at shutdown, {children.Length} ended{log.DroppedSummary()}",
            new LogField("served", _served), new LogField("running_at_shutdown", children.Length), new LogField("killed", children.Length));
    }

    /// <summary>At --max-children or --rate: sleeps until a child exits or a stop is asked for (or a while passes).</summary>
    private void WaitForAnExit()
    {
        lock (_gate)
        {
            // Under --rate, no longer than the rest of the interval.
            Monitor.Wait(_gate, _acceptGate.WaitMilliseconds(AcceptWaitMicroseconds / 1000));
        }
    }

    /// <summary>Children with a client: all but those waiting in the pool.</summary>
    private int Serving
    {
        get
        {
            lock (_gate)
            {
                return _children.Count - (_line?.Waiting ?? 0);
            }
        }
    }

    private int Waiting
    {
        get
        {
            lock (_gate)
            {
                return _line?.Waiting ?? 0;
            }
        }
    }

    private bool NeedsChild
    {
        get
        {
            lock (_gate)
            {
                return _line?.NeedsChild ?? false;
            }
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

    private readonly record struct Spawned(Process Process, string Peer, PeerAddress? Source, long StartedTimestamp);
}
