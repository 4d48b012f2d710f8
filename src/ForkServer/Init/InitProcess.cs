using System.Diagnostics;
using System.Runtime.Versioning;
using System.Text;
using ForkServer.Cli;
using ForkServer.Interop;
using ForkServer.Logging;
using ForkServer.Models.Fork;
using ForkServer.Processes;
using ForkServer.Supervision;

namespace ForkServer.Init;

/// <summary>
/// <c>forkserver init -- COMMAND</c>, tini's loop on the supervision core: fork a child that puts itself in a
/// process group of its own and execs COMMAND; then wait on the signal funnel, forward every signal that comes to
/// COMMAND (or its group), reap every child that finished, orphans included, and leave with COMMAND's status.
/// </summary>
[SupportedOSPlatform("linux")]
public sealed class InitProcess
{
    /// <summary>The most the loop sleeps without a signal while --wait-all waits: often enough to see the time run out.</summary>
    private const int WaitStepMilliseconds = 100;

    private static readonly SignalSet s_terminalStop = SignalSet.Of(Signals.SIGTTOU);

    /// <summary>What cuts a wait of --wait-all short.</summary>
    private static readonly SignalSet s_stopSignals = SignalSet.Of(Signals.SIGTERM, Signals.SIGINT, Signals.SIGQUIT);

    private readonly InitOptions _options;
    private readonly ExecImage _image;
    private readonly EventLog _log;
    private readonly SignalFunnel _funnel;
    private readonly ChildTable _children = new();
    private readonly Reaper _reaper;
    private readonly List<(int Signal, long Due)> _delayed = [];
    private readonly bool _takeTerminal;
    private int _command;
    private WaitStatus? _commandStatus;

    private InitProcess(InitOptions options, ExecImage image, EventLog log)
    {
        _options = options;
        _image = image;
        _log = log;
        _reaper = new Reaper(_children, log, (_, _) => null);
        // Like tini: never stop on writing to a terminal given to COMMAND's group; SIGCHLD waitable whatever started us.
        Posix.SetSignalDisposition(Signals.SIGTTIN, SignalDisposition.Ignore);
        Posix.SetSignalDisposition(Signals.SIGTTOU, SignalDisposition.Ignore);
        Posix.SetSignalDisposition(Signals.SIGCHLD, SignalDisposition.Default);
        _funnel = SignalFunnel.Open(InitSignals.Forwarded);
        // COMMAND takes the terminal only from a foreground init: taken from the background, it would be stolen from the shell.
        _takeTerminal = Posix.ForegroundGroup(0) == Posix.ProcessGroup();
    }

    public static int Run(InitOptions options)
    {
        // First of all: it may start the program again, which must not have printed or opened anything yet.
        SignalFunnel.BlockFromStart(InitSignals.Forwarded);
        var log = new EventLog(options.LogFormat, quiet: !options.Verbose);
        try
        {
            if (options.ParentDeathSignal != 0)
            {
                Posix.SetParentDeathSignal(options.ParentDeathSignal);
            }
            string path;
            try
            {
                path = ProgramPath.Resolve(options.Command[0]);
            }
            catch (StartupException e)
            {
                log.Error("cannot-start", $"forkserver init: {e.Message}", new LogField("error", e.Message));
                return ExitCodes.CannotStart;
            }
            var arguments = Encoding.UTF8.GetBytes(string.Concat(options.Command.Select(a => a + "\0")));
            using var image = ExecImage.Create(path, arguments, File.ReadAllBytes("/proc/self/environ"));
            return new InitProcess(options, image, log).Supervise();
        }
        catch (PosixException e)
        {
            log.Error("failed", $"forkserver init: {e.Message}", new LogField("error", e.Message));
            return ExitCodes.Failure;
        }
    }

    private int Supervise()
    {
        int self = Posix.GetPid();
        InitDuty.Take(_options.Subreaper, ReapPolicy.Signal, _log);
        if (self != 1 && !_options.Subreaper)
        {
            _log.Error("not-reaping",
                $"forkserver init [{self}]: not running as PID 1 and not a subreaper: orphans will not be re-parented to it, so their zombies will not be reaped here; use -s, or run it as PID 1",
                new LogField("pid1", false), new LogField("subreaper", false));
        }
        var attributes = ChildStart.Program("fs-command");
        Rehearse(attributes);
        ForkSafety.AssertNothingRunsBeside();
        _command = ChildStart.Fork(attributes, StartCommand, _log);
        if (_command < 0)
        {
            _log.Error("cannot-fork", $"forkserver init: fork failed: {PosixException.Describe("fork", -_command)}");
            return ExitCodes.Failure;
        }
        _children.Add(_command, ChildLabel.Command);
        // The child sets its group too: whichever comes first, no signal for the group can find it missing.
        Posix.SetProcessGroup(_command, _command);
        _log.Info("started", $"started {Printable.Of(string.Join(' ', _options.Command))} as process {_command}",
            new LogField("child", _command), new LogField("command", _options.Command[0]));

        while (_commandStatus is null)
        {
            Posix.WaitReadable(_funnel.Fd, MillisecondsToNextDelayed());
            Forward(_funnel.Take());
            ForwardDue();
            Reap();
        }
        var status = _commandStatus.Value;
        if (_options.WaitAll)
        {
            WaitForTheOthers();
        }
        int code = _options.RemapToZero.Contains(status.ShellStatus) ? 0 : status.ShellStatus;
        _log.Info("exiting", $"COMMAND {status}: exiting with status {code}",
            new LogField("status", status.ToString()), new LogField("exit_code", code));
        return code;
    }

    /// <summary>
    /// The child's body, after the start-up of <see cref="ChildStart"/> (signals at their defaults, an empty mask): a
    /// process group of its own, as tini makes it, the terminal if init had it, then COMMAND. Allocates nothing.
    /// </summary>
    private int StartCommand()
    {
        Posix.SetProcessGroup(0, 0);
        if (_takeTerminal)
        {
            // From a background group tcsetpgrp raises SIGTTOU, which would stop the child: blocked for the call.
            var before = Posix.BlockSignals(s_terminalStop);
            Posix.GiveTerminal(0, Posix.GetPid());
            Posix.SetSignalMask(before);
        }
        return ExecChild.FailureStatus(Posix.Exec(_image));
    }

    /// <summary>The child's calls made once in the parent with arguments that change nothing (a child makes no code).</summary>
    private void Rehearse(ChildAttributes attributes)
    {
        ChildStart.Rehearse(attributes, StartCommand);
        Posix.SetProcessGroup(0, -1);
        Posix.SetSignalMask(Posix.BlockSignals(default));
        Posix.GiveTerminal(-1, Posix.GetPid());
        ExecChild.FailureStatus(Posix.Exec(ExecImage.Nothing));
    }

    /// <summary>Each signal taken, rewritten, delayed, or sent on now; SIGCHLD only says to reap.</summary>
    private void Forward(SignalSet signals)
    {
        for (var rest = signals.Except(SignalSet.Of(Signals.SIGCHLD)); !rest.IsEmpty; rest = rest.Except(SignalSet.Of(rest.First)))
        {
            int received = rest.First;
            int signal = _options.Rewrites.FirstOrDefault(r => r.From == received) is { From: > 0 } rewrite ? rewrite.To : received;
            if (signal == 0)
            {
                _log.Info("signal-dropped", $"{Signals.Name(received)} received: rewritten to 0, not forwarded", new LogField("signal", Signals.Name(received)));
                continue;
            }
            var delay = _options.Delays.FirstOrDefault(d => d.Signal == signal).Delay;
            if (delay > TimeSpan.Zero)
            {
                if (!_delayed.Exists(d => d.Signal == signal))
                {
                    _delayed.Add((signal, Stopwatch.GetTimestamp() + (long)(delay.TotalSeconds * Stopwatch.Frequency)));
                    _log.Info("signal-delayed", $"{Signals.Name(received)} received: forwarding {Signals.Name(signal)} in {delay.TotalSeconds:0.###} s",
                        new LogField("signal", Signals.Name(signal)), new LogField("delay_seconds", delay.TotalSeconds));
                }
                continue;
            }
            Send(signal, received);
        }
    }

    private void ForwardDue()
    {
        long now = Stopwatch.GetTimestamp();
        foreach (var due in _delayed.Where(d => d.Due <= now).ToList())
        {
            _delayed.Remove(due);
            Send(due.Signal, due.Signal);
        }
    }

    private int MillisecondsToNextDelayed() => _delayed.Count == 0
        ? -1
        : (int)Math.Clamp(Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), _delayed.Min(d => d.Due)).TotalMilliseconds + 1, 0, int.MaxValue);

    private void Send(int signal, int received)
    {
        int target = _options.ProcessGroup ? -_command : _command;
        bool delivered = Posix.Kill(target, signal) == 0;
        string what = signal == received ? Signals.Name(signal) : $"{Signals.Name(received)} as {Signals.Name(signal)}";
        string whom = _options.ProcessGroup ? $"process group {_command}" : $"process {_command}";
        _log.Info("forwarded", delivered ? $"forwarded {what} to {whom}" : $"{what} not forwarded: {whom} is gone",
            new LogField("signal", Signals.Name(signal)), new LogField("received", Signals.Name(received)),
            new LogField("target", target), new LogField("delivered", delivered));
    }

    /// <summary>Reaps every child that finished (waitpid(-1, WNOHANG) until none): COMMAND's status, and the orphans'.</summary>
    private void Reap()
    {
        _reaper.ReapFinished();
        foreach (var (pid, status) in _reaper.LastReaped)
        {
            if (pid == _command)
            {
                _commandStatus = status;
                _delayed.Clear();
            }
            else if (_options.WarnOnReap)
            {
                _log.Error("reaped-orphan", $"forkserver init: warning: reaped zombie process {pid} ({status}), which is not COMMAND",
                    new LogField("child", pid), new LogField("status", status.ToString()));
            }
        }
    }

    /// <summary>
    /// --wait-all, once COMMAND is reaped: the processes left under init (adopted as PID 1 or subreaper) get
    /// <c>--grace</c> to end by themselves, then SIGTERM and <c>--grace</c> again, then SIGKILL; all are reaped. A
    /// SIGTERM, SIGINT or SIGQUIT to init cuts the current wait short.
    /// </summary>
    private void WaitForTheOthers()
    {
        if (!_reaper.HasChildren)
        {
            return;
        }
        double grace = _options.Grace.TotalSeconds;
        int left = Descendants().Count;
        _log.Info("waiting", $"COMMAND has exited: waiting up to {grace:0.###} s for the {left} processes left under init",
            new LogField("left", left), new LogField("grace_seconds", grace));
        if (WaitForNone(_options.Grace))
        {
            return;
        }
        int terminated = SignalTheOthers(Signals.SIGTERM);
        _log.Info("terminating", $"sent SIGTERM to {terminated} processes left; waiting up to {grace:0.###} s",
            new LogField("signalled", terminated), new LogField("grace_seconds", grace));
        if (WaitForNone(_options.Grace))
        {
            return;
        }
        // Killed ones may leave orphans of their own, re-parented here only then: kill again until none is left.
        do
        {
            int killed = SignalTheOthers(Signals.SIGKILL);
            _log.Info("killing", $"grace time over: sent SIGKILL to {killed} processes left", new LogField("killed", killed));
        }
        while (!WaitForNone(TimeSpan.FromSeconds(1)));
    }

    /// <summary>Reaps as they end until no child is left (true), the time is up or a stop signal came (false).</summary>
    private bool WaitForNone(TimeSpan limit)
    {
        var clock = Stopwatch.StartNew();
        while (_reaper.HasChildren)
        {
            var left = limit - clock.Elapsed;
            if (left <= TimeSpan.Zero)
            {
                return false;
            }
            Posix.WaitReadable(_funnel.Fd, (int)Math.Clamp(left.TotalMilliseconds, 1, WaitStepMilliseconds));
            var signals = _funnel.Take().Except(SignalSet.Of(Signals.SIGCHLD));
            Reap();
            if (!signals.IsEmpty)
            {
                if (!signals.Except(s_stopSignals).Equals(signals))
                {
                    _log.Info("hurried", $"{signals} received: not waiting any longer", new LogField("signals", signals.ToString()));
                    return !_reaper.HasChildren;
                }
                _log.Info("signal-ignored", $"{signals} received: not forwarded, COMMAND has exited", new LogField("signals", signals.ToString()));
            }
        }
        return true;
    }

    /// <summary>
    /// Sends <paramref name="signal"/>, a signal to end, to every live process below init, as /proc shows them,
    /// continuing the stopped ones (<see cref="Posix.KillAndContinue"/>); as PID 1 of a namespace whose /proc it cannot
    /// read, to every process of the namespace (kill(-1), which spares init itself).
    /// </summary>
    private int SignalTheOthers(int signal)
    {
        if (!ProcStat.ShowsOwnNamespace())
        {
            return Posix.GetPid() == 1 && Posix.KillAndContinue(-1, signal) == 0 ? 1 : 0;
        }
        return Descendants().Count(pid => Posix.KillAndContinue(pid, signal) == 0);
    }

    /// <summary>The live processes below init: its children, theirs, and so on.</summary>
    private static List<int> Descendants()
    {
        if (!ProcStat.ShowsOwnNamespace())
        {
            return [];
        }
        var all = ProcStat.All().Where(p => !p.IsZombie).ToList();
        var found = new List<int>();
        var parents = new Queue<int>([Posix.GetPid()]);
        while (parents.TryDequeue(out int parent))
        {
            foreach (var child in all.Where(p => p.PPid == parent))
            {
                found.Add(child.Pid);
                parents.Enqueue(child.Pid);
            }
        }
        return found;
    }
}
