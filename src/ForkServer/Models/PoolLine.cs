using ForkServer.Logging;

namespace ForkServer.Models;

/// <summary>
/// The bookkeeping of a pool of children started before their clients come (<c>--model spawn --workers N</c>), the same
/// on Linux and Windows: who waits, in which order each gets a client, who will come back, and what to do with a
/// child that is done with a client. How a client reaches a child (a socket pair on Linux, the child's standard input
/// on Windows) and how a child is told to go (its channel closed) is the platform's.
/// <para>With <c>--clients-per-child M</c> (Apache's MaxConnectionsPerChild) a child serves up to M clients one after
/// another: done with one, it says so, and it waits in line again, or is told to go when twice <see cref="Size"/>
/// wait already. A child given its Mth client leaves the line: it exits when that client is done.</para>
/// Not thread-safe: one loop (or one lock) owns it.
/// </summary>
public sealed class PoolLine(int size, int clientsPerChild)
{
    /// <summary>
    /// How long a client waits for a child to come back before one is started for it. A client that reconnects at
    /// once is often accepted before its last child has said it is free again: a moment's wait saves a start-up.
    /// </summary>
    public const int ReturnWaitMilliseconds = 5;

    private readonly Dictionary<int, Member> _members = [];
    // Waiting children, in the order they are given clients: those back from a client first, the last one back on
    // top (it is ready, and hot in the caches), then those started, oldest first (a child started a moment ago may
    // still be starting its runtime). A pid no longer waiting (forgotten) is skipped when it comes up.
    private readonly Stack<int> _back = new();
    private readonly Queue<int> _started = new();

    /// <summary>A child of the pool: how many clients it was given, whether it waits now.</summary>
    private record struct Member(int Handed, bool Waits);

    /// <summary>How many children the pool keeps waiting.</summary>
    public int Size => size;

    public int ClientsPerChild => clientsPerChild;

    public int Waiting { get; private set; }

    /// <summary>Children serving a client that will wait again once it is done (<c>--clients-per-child</c>).</summary>
    public int Returning { get; private set; }

    /// <summary>
    /// Whether to start a child to wait: fewer than <see cref="Size"/> wait, and fewer than twice that wait or will be
    /// back (serving a client, with clients left to serve). A child that comes back is as good as a new one, and a
    /// steady stream of clients then starts no one.
    /// </summary>
    public bool NeedsChild => Waiting < size && Waiting + Returning < 2 * size;

    /// <summary>A child started to wait joins the end of the line.</summary>
    public void Started(int pid)
    {
        _members[pid] = new Member(0, Waits: true);
        _started.Enqueue(pid);
        Waiting++;
    }

    /// <summary>
    /// The next waiting child, now counted as serving: its pid, or 0 when none waits. <paramref name="last"/> says
    /// this is its Mth client: it has left the pool, and its channel is to be closed once the client is handed over.
    /// Should the handover fail, <see cref="Forget"/> the child.
    /// </summary>
    public int Take(out bool last)
    {
        last = false;
        while (_back.TryPop(out int pid) || _started.TryDequeue(out pid))
        {
            if (!_members.TryGetValue(pid, out var member) || !member.Waits)
            {
                continue;
            }
            Waiting--;
            member = member with { Handed = member.Handed + 1, Waits = false };
            last = member.Handed == clientsPerChild;
            if (last)
            {
                _members.Remove(pid);
            }
            else
            {
                _members[pid] = member;
                Returning++;
            }
            return pid;
        }
        return 0;
    }

    /// <summary>
    /// <paramref name="pid"/> is done with its client: true if it waits in line again, false if it is to be told to go
    /// (it has left the pool), null if it is not a child the pool counts as serving.
    /// </summary>
    public bool? Return(int pid)
    {
        if (!_members.TryGetValue(pid, out var member) || member.Waits)
        {
            return null;
        }
        Returning--;
        // Up to twice the size wait: a child that comes back while its replacement is starting is kept, so a steady
        // stream of clients starts no one; more than that are idle processes.
        if (Waiting >= 2 * size)
        {
            _members.Remove(pid);
            return false;
        }
        _members[pid] = member with { Waits = true };
        _back.Push(pid);
        Waiting++;
        return true;
    }

    /// <summary>The line that says what became of a child back from its client (<paramref name="kept"/>: <see cref="Return"/>'s answer).</summary>
    public void LogReturn(EventLog log, int pid, bool kept)
    {
        string next = kept ? "waits for the next" : $"{Waiting} wait already, so it is told to go";
        log.Info("returned", $"child {pid} is done with its client and {next} ({Waiting} waiting)",
            new LogField("child", pid), new LogField("kept", kept), new LogField("waiting", Waiting),
            new LogField("clients_per_child", clientsPerChild));
    }

    /// <summary>Whether <paramref name="pid"/> waits for its first client: started, and given none yet.</summary>
    public bool WaitsForFirstClient(int pid) => _members.TryGetValue(pid, out var member) && member is { Waits: true, Handed: 0 };

    /// <summary><paramref name="pid"/> has exited, or could not be given its client: true if it was in the pool, which it leaves.</summary>
    public bool Forget(int pid)
    {
        if (!_members.Remove(pid, out var member))
        {
            return false;
        }
        if (member.Waits)
        {
            Waiting--;
        }
        else
        {
            Returning--;
        }
        return true;
    }

    /// <summary>At the stop: no child is in the pool any more.</summary>
    public void Clear()
    {
        _members.Clear();
        _back.Clear();
        _started.Clear();
        Waiting = 0;
        Returning = 0;
    }
}
