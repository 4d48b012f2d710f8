using System.Diagnostics;
using System.Runtime.Versioning;
using System.Text;
using ForkServer.Cli;
using ForkServer.Interop;
using ForkServer.Logging;
using ForkServer.Processes;
using ForkServer.Supervision;

namespace ForkServer.Demos;

/// <summary>
/// <c>forkserver quiz fork --seed N [--actions K] [--solve]</c>: an exercise in the manner of OSTEP's fork.py. Process
/// a starts; each action is "X forks Y" or "X exits"; the student predicts the final process tree. An orphan goes to
/// a, which is a subreaper. <c>--solve</c> prints the answer, then runs the actions for real, one process per
/// letter (its comm says which: fs-quiz-b), and prints the tree /proc shows at the end.
/// <para>Each quiz process reaps its children as they exit (SIGCHLD, read from a signalfd), whoever ends them, and
/// each leaves when a is gone, however a died: it waits on a pipe that only a writes to, which then reads as end of
/// file. PR_SET_PDEATHSIG cannot do it: it follows the parent, and an orphan must outlive its parent here.</para>
/// </summary>
public static class ForkQuiz
{
    private const double ForkChance = 0.7;
    private const byte ExitCommand = 255;

    private static readonly SignalSet s_childExits = SignalSet.Of(Signals.SIGCHLD);

    /// <summary>One action: <see cref="Actor"/> forks <see cref="Child"/>, or exits when Child is -1.</summary>
    public readonly record struct Action(int Actor, int Child)
    {
        public bool IsFork => Child >= 0;

        public override string ToString() => IsFork ? $"{Name(Actor)} forks {Name(Child)}" : $"{Name(Actor)} EXITS";
    }

    public static string Name(int index) => ((char)('a' + index)).ToString();

    /// <summary>The actions of exercise <paramref name="seed"/>: the same seed gives the same actions.</summary>
    public static List<Action> Generate(int seed, int count)
    {
        var random = new Random(seed);
        var alive = new List<int> { 0 };
        var actions = new List<Action>();
        int next = 1;
        while (actions.Count < count)
        {
            if (random.NextDouble() < ForkChance || alive.Count == 1)
            {
                int actor = alive[random.Next(alive.Count)];
                actions.Add(new Action(actor, next));
                alive.Add(next++);
            }
            else
            {
                int actor = alive[1 + random.Next(alive.Count - 1)];
                actions.Add(new Action(actor, -1));
                alive.Remove(actor);
            }
        }
        return actions;
    }

    /// <summary>The answer: each process's parent after the actions (orphans to a), for those still alive.</summary>
    public static Dictionary<int, int> Simulate(IEnumerable<Action> actions)
    {
        var parent = new Dictionary<int, int> { [0] = -1 };
        foreach (var action in actions)
        {
            if (action.IsFork)
            {
                parent[action.Child] = action.Actor;
                continue;
            }
            parent.Remove(action.Actor);
            foreach (int orphan in parent.Where(p => p.Value == action.Actor).Select(p => p.Key).ToList())
            {
                parent[orphan] = 0;
            }
        }
        return parent;
    }

    /// <summary>A tree drawn as tree(1) does, children in the order they were made.</summary>
    public static string Draw(Dictionary<int, int> parent, Func<int, string> label)
    {
        var text = new StringBuilder(label(0)).Append('\n');
        void Below(int node, string indent)
        {
            var children = parent.Where(p => p.Value == node).Select(p => p.Key).Order().ToList();
            for (int i = 0; i < children.Count; i++)
            {
                bool last = i == children.Count - 1;
                text.Append(indent).Append(last ? "└── " : "├── ").Append(label(children[i])).Append('\n');
                Below(children[i], indent + (last ? "    " : "│   "));
            }
        }
        Below(0, "");
        return text.ToString();
    }

    public static int Run(int seed, int count, bool solve, TimeSpan hold)
    {
        if (solve && OperatingSystem.IsLinux())
        {
            // First, before anything is printed: this may exec the quiz again (SIGCHLD blocked in every thread of a).
            SignalFunnel.BlockFromStart(s_childExits);
        }
        var actions = Generate(seed, count);
        var text = new StringBuilder();
        text.Append($"forkserver quiz fork --seed {seed} --actions {count}: process a starts; when a process exits, its children go to a (a subreaper, as PID 1 would take them)\n");
        foreach (var action in actions)
        {
            text.Append($"  Action: {action}\n");
        }
        text.Append("Final process tree?\n");
        Console.Write(text);
        if (!solve)
        {
            Console.WriteLine($"(check: forkserver quiz fork --seed {seed} --actions {count} --solve)");
            return ExitCodes.Ok;
        }
        var answer = Simulate(actions);
        Console.Write("\nAnswer:\n" + Draw(answer, Name));
        if (!OperatingSystem.IsLinux())
        {
            return DemoCommand.NeedsLinux();
        }
        return RunForReal(actions, answer, hold);
    }

    // The real run: every letter is a process that waits on its own pipe for one command byte: the letter to fork,
    // ExitCommand to exit. Everything a child uses is made here first.
    private static int[] s_commands = [];
    private static SignalFunnel s_exits = null!;
    private static int s_acks;
    private static Func<int>[] s_bodies = [];
    private static ChildAttributes[] s_attributes = [];
    private static readonly byte[] s_buffer = new byte[4];

    [SupportedOSPlatform("linux")]
    private static int RunForReal(List<Action> actions, Dictionary<int, int> answer, TimeSpan hold)
    {
        int processes = actions.Count(a => a.IsFork) + 1;
        Posix.SetChildSubreaper();
        // This process is a: in ps by its letter too.
        Posix.SetName("fs-quiz-a\0"u8);
        s_commands = new int[processes * 2];
        for (int i = 0; i < processes; i++)
        {
            (s_commands[2 * i], s_commands[2 * i + 1]) = Posix.Pipe();
        }
        var (ackRead, ackWrite) = Posix.Pipe();
        s_acks = ackWrite;
        // Inherited by every quiz process: a signalfd reads the signals of the process that reads it.
        s_exits = SignalFunnel.Open(s_childExits);
        // Untied: an orphan outlives its parent, as the quiz says; the command pipes tie them all to a instead.
        s_attributes = [.. Enumerable.Range(0, processes).Select(i => ChildStart.Untied($"fs-quiz-{Name(i)}"))];
        s_bodies = [.. Enumerable.Range(0, processes).Select(i => (Func<int>)(() => Serve(i)))];
        // The calls a child makes, made here once so no child compiles code.
        BitConverter.TryWriteBytes(s_buffer, 0);
        _ = BitConverter.ToInt32(s_buffer);
        Posix.WaitReadable(ackRead, 0);
        Posix.Read(ackRead, s_buffer);
        s_exits.Take();
        Posix.WaitPid(-1, noHang: true, out _);
        var (warmRead, warmWrite) = Posix.Pipe();
        Posix.Close(warmWrite);
        Posix.Close(warmRead);
        ChildStart.Rehearse(s_attributes[0], [.. s_bodies, (Func<int, int>)Serve]);

        int self = Posix.GetPid();
        var pids = new Dictionary<int, int> { [0] = self };
        var log = EventLog.Default;
        Console.WriteLine($"\nRunning it for real: a is this process, pid {self}, a subreaper:");
        foreach (var action in actions)
        {
            int actor = pids[action.Actor];
            if (action.IsFork)
            {
                int pid = action.Actor == 0 ? ChildStart.Fork(s_attributes[action.Child], s_bodies[action.Child], log) : Command(action.Actor, (byte)action.Child, ackRead);
                if (pid <= 0)
                {
                    Console.Error.WriteLine($"forkserver quiz: {action} failed: {(pid < 0 ? PosixException.Describe("fork", -pid) : "no answer")}");
                    return ExitCodes.Failure;
                }
                pids[action.Child] = pid;
                // Named once its start-up has run: until then /proc would show the copy as this program.
                Poll.Until(() => ProcStat.Read(pid)?.Comm == $"fs-quiz-{Name(action.Child)}", Poll.Briefly);
                Console.WriteLine($"  {action}: pid {actor} forked pid {pid}");
                continue;
            }
            int parent = ProcStat.Read(actor)?.PPid ?? 0;
            Send(action.Actor, ExitCommand);
            Poll.Until(() => ProcStat.Read(actor) is not { State: not 'Z' }, Poll.Briefly);
            // Its parent collects it, as a parent must: a waits for its own; the others reap on SIGCHLD.
            if (parent == self)
            {
                Posix.WaitPid(actor, noHang: false, out _);
            }
            Poll.Until(() => ProcStat.Read(actor) is null, Poll.Briefly);
            pids.Remove(action.Actor);
            Console.WriteLine($"  {action}: pid {actor} exited and was reaped by pid {parent}");
        }

        var seen = ReadTree(self);
        string drawn = Draw(seen, i => $"{Name(i)} ({pids[i]})");
        Console.Write($"\n/proc shows (comm fs-quiz-LETTER, pid):\n{drawn}");
        bool same = seen.Count == answer.Count && seen.All(p => answer.TryGetValue(p.Key, out int q) && q == p.Value);
        Console.WriteLine(same ? "It matches the answer." : "It does not match the answer.");
        if (hold > TimeSpan.Zero)
        {
            Console.WriteLine($"holding {hold.TotalSeconds:0.#} s: ps -o pid,ppid,stat,comm --ppid {self} (or pstree -p {self}); kill one, and its parent reaps it; kill a, and they all end with it");
            HoldReaping(hold, pids);
        }
        // a holds the only writers of the command pipes: closed, every quiz process reads end of file and exits.
        // Orphans come to a, the subreaper: a reaps until none is left.
        for (int i = 1; i < s_commands.Length; i += 2)
        {
            Posix.Close(s_commands[i]);
        }
        while (Posix.WaitPid(-1, noHang: false, out _) > 0)
        {
        }
        return same ? ExitCodes.Ok : ExitCodes.Failure;
    }

    /// <summary>For <paramref name="hold"/>: a reaps each of its children that exits (killed by the user), and says so.</summary>
    [SupportedOSPlatform("linux")]
    private static void HoldReaping(TimeSpan hold, Dictionary<int, int> pids)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < hold)
        {
            if (!Posix.WaitReadable(s_exits.Fd, (int)Math.Ceiling((hold - clock.Elapsed).TotalMilliseconds)))
            {
                continue;
            }
            s_exits.Take();
            int pid;
            while ((pid = Posix.WaitPid(-1, noHang: true, out var status)) > 0)
            {
                // Every child of a is a quiz process it forked or adopted, so it knows its letter.
                int letter = pids.First(p => p.Value == pid).Key;
                pids.Remove(letter);
                Console.WriteLine($"  {Name(letter)} (pid {pid}) {status}: its parent, a, reaped it");
            }
        }
    }

    /// <summary>The tree below <paramref name="root"/> as /proc shows it, by letter (read from each process's comm).</summary>
    [SupportedOSPlatform("linux")]
    private static Dictionary<int, int> ReadTree(int root)
    {
        var all = ProcStat.All().ToList();
        var letter = all.Where(s => s.Comm.StartsWith("fs-quiz-", StringComparison.Ordinal)).ToDictionary(s => s.Pid, s => s.Comm[^1] - 'a');
        letter[root] = 0;
        var parent = new Dictionary<int, int> { [0] = -1 };
        var below = new Queue<int>([root]);
        while (below.TryDequeue(out int pid))
        {
            foreach (var child in all.Where(s => s.PPid == pid && letter.ContainsKey(s.Pid)))
            {
                parent[letter[child.Pid]] = letter[pid];
                below.Enqueue(child.Pid);
            }
        }
        return parent;
    }

    /// <summary>
    /// In the child for letter <paramref name="index"/>: do each command until told to exit, or until a is gone; reap
    /// each child that exits.
    /// </summary>
    [SupportedOSPlatform("linux")]
    private static int Serve(int index)
    {
        // Only a writes commands: with the copies of the writers closed here (a's children inherit them, and a child
        // forked here inherits -1), a's end, however it comes, reads as end of file.
        for (int i = 1; i < s_commands.Length; i += 2)
        {
            if (s_commands[i] >= 0)
            {
                Posix.Close(s_commands[i]);
                s_commands[i] = -1;
            }
        }
        // The start-up emptied the mask: SIGCHLD blocked again, so that it waits in the signalfd.
        Posix.BlockSignals(s_childExits);
        int fd = s_commands[2 * index];
        Span<PollEntry> waits = [new PollEntry(fd, PollEntry.Readable), new PollEntry(s_exits.Fd, PollEntry.Readable)];
        while (true)
        {
            Posix.Poll(waits, -1);
            if (waits[1].CanRead)
            {
                s_exits.Take();
                while (Posix.WaitPid(-1, noHang: true, out _) > 0)
                {
                }
            }
            if (!waits[0].CanRead)
            {
                continue;
            }
            int read = Posix.Read(fd, s_buffer.AsSpan(0, 1));
            if (read < 0)
            {
                continue;
            }
            if (read == 0 || s_buffer[0] == ExitCommand)
            {
                return 0;
            }
            byte command = s_buffer[0];
            int pid = ChildStart.Fork(s_attributes[command], s_bodies[command], EventLog.Default);
            BitConverter.TryWriteBytes(s_buffer, pid);
            Posix.Write(s_acks, s_buffer);
        }
    }

    [SupportedOSPlatform("linux")]
    private static void Send(int index, byte command) => Posix.Write(s_commands[2 * index + 1], [command]);

    /// <summary>Tells process <paramref name="index"/> to fork and returns the pid it reports; 0 if it said nothing in 10 s.</summary>
    [SupportedOSPlatform("linux")]
    private static int Command(int index, byte child, int ackRead)
    {
        Send(index, child);
        var answer = new byte[4];
        return Posix.WaitReadable(ackRead, 10_000) && Posix.Read(ackRead, answer) == 4 ? BitConverter.ToInt32(answer) : 0;
    }
}
