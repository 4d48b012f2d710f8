using System.Globalization;
using ForkServer.Interop;

namespace ForkServer.Processes;

/// <summary>
/// One process as the kernel describes it in /proc/PID/stat (see proc_pid_stat(5)): what <c>ps</c> reads too, so
/// the demos and <c>forkserver ps</c> show exactly what a student sees in <c>ps</c> in another terminal.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public readonly record struct ProcStat(int Pid, string Comm, char State, int PPid, long StartTicks)
{
    private static readonly Lazy<long> TicksPerSecond = new(Posix.ClockTicksPerSecond);

    /// <summary>Reads /proc/PID/stat; null once the process is gone (reaped, or never existed).</summary>
    public static ProcStat? Read(int pid)
    {
        string text;
        try
        {
            text = File.ReadAllText($"/proc/{pid}/stat");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
        // comm is in parentheses and may itself hold spaces or ')': the fields go on after the last ')'.
        int open = text.IndexOf('(');
        int close = text.LastIndexOf(')');
        string[] rest = text[(close + 2)..].Split(' ');
        // rest[0] is field 3 (state), rest[1] field 4 (ppid), rest[19] field 22 (starttime).
        return new ProcStat(pid, text[(open + 1)..close], rest[0][0], int.Parse(rest[1], CultureInfo.InvariantCulture),
            long.Parse(rest[19], CultureInfo.InvariantCulture));
    }

    /// <summary>Every process /proc shows, in pid order.</summary>
    public static IEnumerable<ProcStat> All() =>
        Directory.EnumerateDirectories("/proc")
            .Select(Path.GetFileName)
            .Where(name => name!.All(char.IsAsciiDigit))
            .Select(name => Read(int.Parse(name!, CultureInfo.InvariantCulture)))
            .OfType<ProcStat>()
            .OrderBy(s => s.Pid);

    public static List<ProcStat> ChildrenOf(int pid) => [.. All().Where(s => s.PPid == pid)];

    /// <summary>
    /// True when /proc shows this process under the pid getpid(2) returns: false in a PID namespace whose /proc
    /// was not remounted (<c>unshare --pid</c> without <c>--mount-proc</c>), where every pid read there is someone else's.
    /// </summary>
    public static bool ShowsOwnNamespace() =>
        int.TryParse(new FileInfo("/proc/self").LinkTarget, out int self) && self == Posix.GetPid();

    /// <summary>The command line from /proc/PID/cmdline, words joined by spaces; empty for a zombie.</summary>
    public static string CommandLine(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline").TrimEnd('\0').Replace('\0', ' ');
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return "";
        }
    }

    public bool IsZombie => State == 'Z';

    /// <summary>How long the process has existed: now (/proc/uptime) minus its start time, both since boot.</summary>
    public TimeSpan Age
    {
        get
        {
            string uptime = File.ReadAllText("/proc/uptime").Split(' ')[0];
            double now = double.Parse(uptime, CultureInfo.InvariantCulture);
            return TimeSpan.FromSeconds(Math.Max(0, now - (double)StartTicks / TicksPerSecond.Value));
        }
    }

    /// <summary>The state letter with the word proc_pid_stat(5) uses for it: "Z (zombie)".</summary>
    public string StateName => State switch
    {
        'R' => "R (running)",
        'S' => "S (sleeping)",
        'D' => "D (disk sleep)",
        'T' => "T (stopped)",
        't' => "t (tracing stop)",
        'Z' => "Z (zombie)",
        'X' => "X (dead)",
        'I' => "I (idle)",
        _ => State.ToString(),
    };

    /// <summary>"1 (systemd)": the pid with the command name, as the demos name a process.</summary>
    public override string ToString() => $"{Pid} ({Comm})";
}
