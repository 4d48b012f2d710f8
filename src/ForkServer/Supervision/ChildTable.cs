using System.Diagnostics;
using System.Runtime.Versioning;
using ForkServer.Interop;

namespace ForkServer.Supervision;

/// <summary>
/// The children a server forked and has not reaped yet, by pid: what each is for, when it started, and, once the
/// server saw it exit without reaping it (reap policies accept and none), when it became a zombie.
/// </summary>
[SupportedOSPlatform("linux")]
public sealed class ChildTable
{
    private readonly Dictionary<int, Child> _children = [];

    public int Count => _children.Count;

    /// <summary>Listed children known to have exited and not been reaped: zombies that still fill a slot.</summary>
    public int Zombies { get; private set; }

    public IEnumerable<int> Pids => _children.Keys;

    public IEnumerable<Child> All => _children.Values;

    /// <summary>
    /// Called with each child's pid, label and exit status (null when none was collected) as the table forgets it
    /// (reaped, or gone): what the model counted per client ends.
    /// </summary>
    public Action<int, ChildLabel, WaitStatus?>? Removed { get; set; }

    public bool Contains(int pid) => _children.ContainsKey(pid);

    /// <summary>A pool child now serves a client, or waits again: its label says which; returns the label it had.</summary>
    public ChildLabel? Relabel(int pid, ChildLabel label)
    {
        if (!_children.TryGetValue(pid, out var child))
        {
            return null;
        }
        _children[pid] = child with { Label = label };
        return child.Label;
    }

    public void Add(int pid, ChildLabel label) => _children[pid] = new Child(pid, label, Stopwatch.GetTimestamp(), 0);

    /// <summary>Notes that a listed child has exited but is not reaped yet; false if it was noted before.</summary>
    public bool MarkExited(int pid)
    {
        if (!_children.TryGetValue(pid, out var child) || child.ExitedTimestamp != 0)
        {
            return false;
        }
        _children[pid] = child with { ExitedTimestamp = Stopwatch.GetTimestamp() };
        Zombies++;
        return true;
    }

    /// <summary>Whether a listed child was noted as exited (a zombie not reaped yet).</summary>
    public bool HasExited(int pid) => _children.TryGetValue(pid, out var child) && child.ExitedTimestamp != 0;

    /// <summary>
    /// Forgets a reaped child, which ended with <paramref name="status"/> if it was collected; null when the pid was never
    /// ours (an orphan adopted as PID 1 or subreaper).
    /// </summary>
    public Child? Remove(int pid, WaitStatus? status = null)
    {
        if (!_children.Remove(pid, out var child))
        {
            return null;
        }
        if (child.ExitedTimestamp != 0)
        {
            Zombies--;
        }
        Removed?.Invoke(pid, child.Label, status);
        return child;
    }

    public void Clear()
    {
        foreach (var child in _children.Values)
        {
            Removed?.Invoke(child.Pid, child.Label, null);
        }
        _children.Clear();
        Zombies = 0;
    }

    /// <summary>
    /// Sends <paramref name="signal"/>, a signal to end, to every child not known to have exited, continuing the stopped
    /// ones (<see cref="Posix.KillAndContinue"/>); returns how many got it.
    /// </summary>
    public int SignalAll(int signal)
    {
        int delivered = 0;
        foreach (var child in _children.Values)
        {
            if (child.ExitedTimestamp == 0 && Posix.KillAndContinue(child.Pid, signal) == 0)
            {
                delivered++;
            }
        }
        return delivered;
    }

    public readonly record struct Child(int Pid, ChildLabel Label, long StartedTimestamp, long ExitedTimestamp)
    {
        public TimeSpan Age => Stopwatch.GetElapsedTime(StartedTimestamp);

        /// <summary>How long it ran: until it exited if that was seen, else until now.</summary>
        public TimeSpan Lived => ExitedTimestamp == 0 ? Age : Stopwatch.GetElapsedTime(StartedTimestamp, ExitedTimestamp);

        /// <summary>How long it has been a zombie, if its exit was seen.</summary>
        public TimeSpan? ZombieFor => ExitedTimestamp == 0 ? null : Stopwatch.GetElapsedTime(ExitedTimestamp);
    }
}
