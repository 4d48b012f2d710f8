using System.Runtime.InteropServices;

namespace ForkServer.Tests.Support;

/// <summary>
/// What <c>ps</c> would show, read straight from /proc: each process's state letter and parent. The tests read it
/// themselves rather than asking the server, so they check what the kernel says, not what the server believes.
/// </summary>
public static partial class ProcFs
{
    public const int SIGKILL = 9;
    public const int SIGTERM = 15;
    public const int SIGINT = 2;
    public const int SIGSTOP = 19;
    public const int SIGHUP = 1;
    public const int SIGQUIT = 3;
    public const int SIGUSR1 = 10;
    public const int SIGSEGV = 11;
    public const int SIGUSR2 = 12;
    public const int SIGPIPE = 13;
    public const int SIGALRM = 14;
    public const int SIGSYS = 31;
    public const int SIGTSTP = 20;
    public const int SIGTTIN = 21;
    public const int SIGTTOU = 22;
    public const int SIGURG = 23;
    public const int SIGWINCH = 28;

    /// <summary>One line of /proc/PID/stat: state is R, S, D, Z, T...; PPid the parent's pid.</summary>
    public readonly record struct Stat(int Pid, string Comm, char State, int PPid);

    /// <summary>Null once the process is gone (reaped, or never existed).</summary>
    public static Stat? Read(int pid)
    {
        string text;
        try
        {
            text = File.ReadAllText($"/proc/{pid}/stat");
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
        // The command name is in parentheses and may itself contain spaces or parentheses: split after the last ')'.
        int open = text.IndexOf('(');
        int close = text.LastIndexOf(')');
        string[] rest = text[(close + 2)..].Split(' ');
        return new Stat(pid, text[(open + 1)..close], rest[0][0], int.Parse(rest[1]));
    }

    public static IEnumerable<Stat> All() =>
        Directory.EnumerateDirectories("/proc")
            .Select(Path.GetFileName)
            .Where(name => name!.All(char.IsAsciiDigit))
            .Select(name => Read(int.Parse(name!)))
            .OfType<Stat>();

    public static List<Stat> ChildrenOf(int pid) => [.. All().Where(s => s.PPid == pid)];

    public static List<int> Descendants(int pid)
    {
        var all = All().ToList();
        var found = new List<int>();
        var frontier = new Queue<int>([pid]);
        while (frontier.TryDequeue(out int parent))
        {
            foreach (var child in all.Where(s => s.PPid == parent))
            {
                found.Add(child.Pid);
                frontier.Enqueue(child.Pid);
            }
        }
        return found;
    }

    /// <summary>
    /// Every process below <paramref name="pid"/>, found as the kernel lists each one's children in
    /// /proc/PID/task/TID/children (every thread's list: a child belongs to the thread that forked it).
    /// </summary>
    public static List<int> Tree(int pid)
    {
        var found = new List<int>();
        var frontier = new Queue<int>([pid]);
        while (frontier.TryDequeue(out int parent))
        {
            foreach (int child in ChildrenListed(parent))
            {
                found.Add(child);
                frontier.Enqueue(child);
            }
        }
        return found;
    }

    private static IEnumerable<int> ChildrenListed(int pid)
    {
        try
        {
            return Directory.GetDirectories($"/proc/{pid}/task")
                .SelectMany(task => File.ReadAllText(Path.Combine(task, "children")).Split(' ', StringSplitOptions.RemoveEmptyEntries))
                .Select(int.Parse).Distinct().ToList();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }

    /// <summary>Whether a process is alive: it exists and is not a zombie.</summary>
    public static bool IsAlive(int pid) => Read(pid) is { State: not 'Z' and not 'X' };

    /// <summary>
    /// The value of one field of /proc/PID/status (a thread's, /proc/PID/task/TID/status, with <paramref name="tid"/>),
    /// trimmed: <c>StatusField(pid, "SigIgn")</c> is <c>0000000000001000</c>.
    /// </summary>
    public static string StatusField(int pid, string name, int? tid = null)
    {
        string path = tid is int thread ? $"/proc/{pid}/task/{thread}/status" : $"/proc/{pid}/status";
        string key = name + ":";
        return File.ReadLines(path).First(l => l.StartsWith(key, StringComparison.Ordinal))[key.Length..].Trim();
    }

    /// <summary>The blocked-signal mask of one thread (SigBlk in /proc/PID/task/TID/status).</summary>
    public static ulong BlockedSignals(int pid, int tid) => Convert.ToUInt64(StatusField(pid, "SigBlk", tid), 16);

    /// <summary>Each thread of a process, with its name (comm).</summary>
    public static List<(int Tid, string Name)> ThreadsOf(int pid) =>
        [.. Directory.GetDirectories($"/proc/{pid}/task").Select(t => (int.Parse(Path.GetFileName(t)), File.ReadAllText(Path.Combine(t, "comm")).Trim()))];

    /// <summary>The parent, its parent and so on up to PID 1, read now.</summary>
    public static List<int> Ancestors(int pid)
    {
        var found = new List<int>();
        for (int? parent = Read(pid)?.PPid; parent is > 0; parent = Read(parent.Value)?.PPid)
        {
            found.Add(parent.Value);
        }
        return found;
    }

    /// <summary>The pid the process has inside its own PID namespace (the last NSpid field of /proc/PID/status).</summary>
    public static int NamespacePid(int pid) =>
        int.Parse(StatusField(pid, "NSpid").Split('\t', StringSplitOptions.RemoveEmptyEntries)[^1]);

    public static int ZombieChildren(int pid) => ChildrenOf(pid).Count(s => s.State == 'Z');

    public static int OpenFileDescriptors(int pid) => Directory.GetFiles($"/proc/{pid}/fd").Length;

    /// <summary>How many of the process's descriptors are sockets (their /proc/PID/fd link reads socket:[inode]).</summary>
    public static int OpenSockets(int pid) =>
        Directory.GetFiles($"/proc/{pid}/fd").Count(fd => new FileInfo(fd).LinkTarget?.StartsWith("socket:") == true);

    public static int Threads(int pid) => int.Parse(StatusField(pid, "Threads"));

    /// <summary>User plus system CPU time the process has used, in clock ticks (fields 14 and 15 of stat).</summary>
    public static long CpuTicks(int pid)
    {
        string text = File.ReadAllText($"/proc/{pid}/stat");
        string[] rest = text[(text.LastIndexOf(')') + 2)..].Split(' ');
        return long.Parse(rest[11]) + long.Parse(rest[12]);
    }

    /// <summary>The real, effective, saved and filesystem uids from the Uid: line of /proc/PID/status.</summary>
    public static int[] Uids(int pid) =>
        [.. StatusField(pid, "Uid").Split('\t', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse)];

    /// <summary>
    /// The KiB fields (Size, Rss, ...) of the first mapping in /proc/PID/smaps whose header line (the line /proc/PID/maps
    /// has for it) matches <paramref name="header"/>; null if none does.
    /// </summary>
    public static Dictionary<string, long>? Mapping(int pid, Predicate<string> header)
    {
        string[] smaps = File.ReadAllLines($"/proc/{pid}/smaps");
        int at = Array.FindIndex(smaps, header);
        if (at < 0)
        {
            return null;
        }
        return smaps.Skip(at + 1).TakeWhile(l => !l.StartsWith("VmFlags:", StringComparison.Ordinal))
            .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(w => w is [_, _, "kB"])
            .ToDictionary(w => w[0].TrimEnd(':'), w => long.Parse(w[1]));
    }

    public static bool IsRoot => geteuid() == 0;

    public static void Kill(int pid, int signal) => kill(pid, signal);

    [LibraryImport("libc")]
    private static partial int kill(int pid, int sig);

    [LibraryImport("libc")]
    private static partial uint geteuid();
}
