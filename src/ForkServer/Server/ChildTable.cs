using System.Diagnostics;
using ForkServer.Interop;

namespace ForkServer.Server;

/// <summary>The children a server made and has not reaped yet, by pid, with what each one is for.</summary>
public sealed class ChildTable
{
    private readonly Dictionary<int, Child> _children = [];

    public int Count => _children.Count;

    public IEnumerable<int> Pids => _children.Keys;

    public bool Contains(int pid) => _children.ContainsKey(pid);

    public void Add(int pid, ChildLabel label) => _children[pid] = new Child(pid, label, Stopwatch.GetTimestamp());

    /// <summary>Forgets a reaped child; null when the pid was never ours (an orphan adopted as PID 1 or subreaper).</summary>
    public Child? Remove(int pid) => _children.Remove(pid, out var child) ? child : null;

    public void Clear() => _children.Clear();

    /// <summary>Sends <paramref name="signal"/> to every child; returns how many still existed to receive it.</summary>
    public int SignalAll(int signal)
    {
        int delivered = 0;
        foreach (int pid in _children.Keys)
        {
            if (Posix.Kill(pid, signal))
            {
                delivered++;
            }
        }
        return delivered;
    }

    public readonly record struct Child(int Pid, ChildLabel Label, long StartedTimestamp)
    {
        public TimeSpan Age => Stopwatch.GetElapsedTime(StartedTimestamp);
    }
}
