using System.Globalization;
using ForkServer.Interop;
using ForkServer.Logging;

namespace ForkServer.Init;

/// <summary>What <c>forkserver init</c> was asked to do: tini's options, and the ones beyond it.</summary>
public sealed record InitOptions
{
    /// <summary>COMMAND and its arguments, as given after <c>--</c>.</summary>
    public required IReadOnlyList<string> Command { get; init; }

    /// <summary>-s: prctl(PR_SET_CHILD_SUBREAPER), so that orphans below init come to it when it is not PID 1.</summary>
    public bool Subreaper { get; init; }

    /// <summary>-g: signals go to COMMAND's process group, not only to COMMAND.</summary>
    public bool ProcessGroup { get; init; }

    /// <summary>-e: exit statuses of COMMAND that init reports as 0.</summary>
    public IReadOnlyList<int> RemapToZero { get; init; } = [];

    /// <summary>-p: the signal init gets when its own parent dies; 0 for none.</summary>
    public int ParentDeathSignal { get; init; }

    /// <summary>-w: a warning for each orphan reaped (a process that is not COMMAND).</summary>
    public bool WarnOnReap { get; init; }

    /// <summary>-v: every event into the log; without it init says only warnings and errors.</summary>
    public bool Verbose { get; init; }

    /// <summary>--wait-all: after COMMAND, wait for the processes left under init, then SIGTERM, then SIGKILL.</summary>
    public bool WaitAll { get; init; }

    /// <summary>--grace: how long --wait-all waits before SIGTERM, and again before SIGKILL.</summary>
    public TimeSpan Grace { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>--delay-signal: signals forwarded late.</summary>
    public IReadOnlyList<SignalDelay> Delays { get; init; } = [];

    /// <summary>--rewrite: signals forwarded as another one (or, to 0, not at all).</summary>
    public IReadOnlyList<SignalRewrite> Rewrites { get; init; } = [];

    public LogFormat LogFormat { get; init; } = LogFormat.Text;
}

/// <summary>--delay-signal SIGNAL:SECONDS: when SIGNAL comes, it is forwarded SECONDS later.</summary>
public readonly record struct SignalDelay(int Signal, TimeSpan Delay)
{
    /// <summary>"SIGTERM:5", "TERM:0.5" or "15:5"; null when it is not one of the signals init forwards, or the seconds are not 0 to a day.</summary>
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public static SignalDelay? Parse(string text) =>
        text.Split(':') is [var name, var seconds] && InitSignals.ParseForwarded(name) is { } signal
        && double.TryParse(seconds, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double value)
        && value is >= 0 and <= 24 * 3600
            ? new SignalDelay(signal, TimeSpan.FromSeconds(value))
            : null;
}

/// <summary>--rewrite FROM:TO, as dumb-init's -r: FROM received is forwarded as TO; TO 0 drops it.</summary>
public readonly record struct SignalRewrite(int From, int To)
{
    /// <summary>"SIGTERM:SIGQUIT", "15:3", "USR1:0"; null when FROM is not forwarded by init or TO is no signal.</summary>
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public static SignalRewrite? Parse(string text) =>
        text.Split(':') is [var from, var to] && InitSignals.ParseForwarded(from) is { } signal
        && (to == "0" ? 0 : Signals.Parse(to)) is { } target
            ? new SignalRewrite(signal, target)
            : null;
}
