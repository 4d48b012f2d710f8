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

    public static int ZombieChildren(int pid) => ChildrenOf(pid).Count(s => s.State == 'Z');

    public static int OpenFileDescriptors(int pid) => Directory.GetFiles($"/proc/{pid}/fd").Length;

    public static int Threads(int pid) =>
        int.Parse(File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("Threads:"))["Threads:".Length..].Trim());

    /// <summary>User plus system CPU time the process has used, in clock ticks (fields 14 and 15 of stat).</summary>
    public static long CpuTicks(int pid)
    {
        string text = File.ReadAllText($"/proc/{pid}/stat");
        string[] rest = text[(text.LastIndexOf(')') + 2)..].Split(' ');
        return long.Parse(rest[11]) + long.Parse(rest[12]);
    }

    /// <summary>The real, effective, saved and filesystem uids from the Uid: line of /proc/PID/status.</summary>
    public static int[] Uids(int pid) =>
        [.. File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("Uid:"))["Uid:".Length..]
            .Split('\t', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse)];

    public static bool IsRoot => geteuid() == 0;

    public static void Kill(int pid, int signal) => kill(pid, signal);

    [LibraryImport("libc")]
    private static partial int kill(int pid, int sig);

    [LibraryImport("libc")]
    private static partial uint geteuid();
}
