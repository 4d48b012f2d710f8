using System.Runtime.Versioning;
using ForkServer.Interop;

namespace ForkServer.Models.Fork;

/// <summary>
/// Children started before their clients come (the spawn model's <c>--workers N</c>): each waits on its end of an
/// AF_UNIX socket pair, and the loop hands it an accepted client over that channel (SCM_RIGHTS), then starts another
/// to keep <see cref="Size"/> waiting. A child pays for its start-up (a whole runtime, for the spawn model) while no
/// client waits for it.
/// <para>With <c>--clients-per-child M</c> (Apache's MaxConnectionsPerChild) a child serves up to M clients one after
/// another: done with one, it writes its pid to the pool's ready pipe and waits on its channel again, and the loop puts
/// it back in line, or tells it to go (closes its channel) when twice <see cref="Size"/> wait already. After its Mth
/// client its channel is closed at once: it exits when that client is done. So the pool pays one start-up per M
/// clients, and a child's leaks and memory growth last M clients at most.</para>
/// The channels are the parent's only record of who waits; the supervisor reaps pool children as any child, and the
/// loop tells the pool (<see cref="Forget"/>).
/// </summary>
[SupportedOSPlatform("linux")]
public sealed class ChildPool
{
    /// <summary>
    /// The lowest descriptor a child's end of the pool is put at: 0 to 9 are the descriptors a program is given (the
    /// shell's convention), so a child can move its ends there without one landing on the other.
    /// </summary>
    private const int AboveProgramDescriptors = 10;

    private readonly int _size;
    private readonly int _clientsPerChild;
    private readonly Dictionary<int, Member> _members = [];
    // Waiting children, in the order they are given clients: those back from a client first, the last one back on
    // top (it is ready, and hot in the caches), then those started, oldest first (a child started a moment ago may
    // still be starting its runtime). A pid no longer waiting (forgotten) is skipped when it comes up.
    private readonly Stack<int> _back = new();
    private readonly Queue<int> _started = new();
    private readonly int _readyRead = -1;
    // Children serving a client that will wait again afterwards.
    private int _returning;
    private int _ours = -1;

    /// <summary>A child of the pool: our end of its channel, how many clients it was given, whether it waits now.</summary>
    private record struct Member(int Channel, int Handed, bool Waits);

    /// <param name="size">Children kept waiting.</param>
    /// <param name="clientsPerChild">Clients one child serves before it exits.</param>
    public ChildPool(int size, int clientsPerChild)
    {
        _size = size;
        _clientsPerChild = clientsPerChild;
        if (clientsPerChild > 1)
        {
            (_readyRead, int write) = Posix.Pipe();
            ReadyForChild = Posix.DuplicateAbove(write, AboveProgramDescriptors);
            Posix.Close(write);
        }
    }

    /// <summary>How many children the pool keeps waiting.</summary>
    public int Size => _size;

    public int ClientsPerChild => _clientsPerChild;

    public int Waiting { get; private set; }

    /// <summary>Children serving a client that will wait again once it is done (<c>--clients-per-child</c>).</summary>
    public int Returning => _returning;

    /// <summary>
    /// Whether to start a child to wait: fewer than <see cref="Size"/> wait, and fewer than twice that wait or will be
    /// back (serving a client, with clients left to serve). A child that comes back is as good as a new one, and a
    /// steady stream of clients then starts no one.
    /// </summary>
    public bool NeedsChild => Waiting < _size && Waiting + _returning < 2 * _size;

    /// <summary>The read end of the ready pipe, for the loop to poll; -1 when each child serves one client.</summary>
    public int ReadyFd => _readyRead;

    /// <summary>The ready pipe's write end, which a child gets beside its channel; -1 when each child serves one client.</summary>
    public int ReadyForChild { get; } = -1;

    /// <summary>
    /// In the parent, before the fork of a child to wait: a new channel; returns the child's end, or the negated errno
    /// (out of descriptors) with the failed call's description in <paramref name="failure"/>.
    /// </summary>
    public int OpenChannel(out string? failure)
    {
        failure = null;
        (_ours, int theirs) = Posix.SocketPair();
        if (_ours < 0)
        {
            failure = PosixException.Describe("socketpair", -_ours);
            return _ours;
        }
        int moved = Posix.DuplicateAbove(theirs, AboveProgramDescriptors);
        Posix.Close(theirs);
        if (moved < 0)
        {
            failure = PosixException.Describe("fcntl", -moved);
            Posix.Close(_ours);
            _ours = -1;
        }
        return moved;
    }

    /// <summary>After that fork: the child (if <paramref name="pid"/> is one) waits on the channel; ours closes its end.</summary>
    public void Started(int pid, int theirs)
    {
        Posix.Close(theirs);
        if (pid > 0)
        {
            _members[pid] = new Member(_ours, 0, Waits: true);
            _started.Enqueue(pid);
            Waiting++;
        }
        else
        {
            Posix.Close(_ours);
        }
        _ours = -1;
    }

    /// <summary>
    /// Hands <paramref name="client"/> to a waiting child: its pid, or 0 when none waits. A child that died waiting is
    /// skipped (its channel says so: EPIPE).
    /// </summary>
    public int HandOver(int client)
    {
        while (_back.TryPop(out int pid) || _started.TryDequeue(out pid))
        {
            if (!_members.TryGetValue(pid, out var member) || !member.Waits)
            {
                continue;
            }
            Waiting--;
            if (Posix.SendDescriptor(member.Channel, client) != 0)
            {
                Dismiss(pid, member);
                continue;
            }
            member = member with { Handed = member.Handed + 1, Waits = false };
            if (member.Handed == _clientsPerChild)
            {
                // Its last client: the closed channel is what it reads when it is done, and it exits.
                Dismiss(pid, member);
            }
            else
            {
                _members[pid] = member;
                _returning++;
            }
            return pid;
        }
        return 0;
    }

    /// <summary>
    /// Reads the ready pipe: the pids of children done with a client, into <paramref name="pids"/>; how many. Each
    /// child's write is four bytes, and a pipe never splits a write that small.
    /// </summary>
    public int ReadReady(Span<int> pids)
    {
        int n = Posix.Read(_readyRead, System.Runtime.InteropServices.MemoryMarshal.AsBytes(pids));
        return n > 0 ? n / sizeof(int) : 0;
    }

    /// <summary>
    /// <paramref name="pid"/> is done with its client: true if it waits in line again, false if it was told to go (enough
    /// wait already), null if it is not a child the pool knows.
    /// </summary>
    public bool? Return(int pid)
    {
        if (!_members.TryGetValue(pid, out var member) || member.Waits)
        {
            return null;
        }
        _returning--;
        // Up to twice the size wait: a child that comes back while its replacement is starting is kept, so a steady
        // stream of clients starts no one; more than that are idle processes.
        if (Waiting >= 2 * _size)
        {
            Dismiss(pid, member);
            return false;
        }
        _members[pid] = member with { Waits = true };
        _back.Push(pid);
        Waiting++;
        return true;
    }

    /// <summary>The supervisor has reaped <paramref name="pid"/>: if it was the pool's, its channel closes.</summary>
    public void Forget(int pid)
    {
        if (_members.TryGetValue(pid, out var member))
        {
            if (member.Waits)
            {
                Waiting--;
            }
            else
            {
                _returning--;
            }
            Dismiss(pid, member);
        }
    }

    /// <summary>At the stop: closes every channel, which a waiting child reads as "no client is coming".</summary>
    public void Close()
    {
        foreach (var member in _members.Values)
        {
            Posix.Close(member.Channel);
        }
        _members.Clear();
        _back.Clear();
        _started.Clear();
        Waiting = 0;
        _returning = 0;
    }

    private void Dismiss(int pid, Member member)
    {
        Posix.Close(member.Channel);
        _members.Remove(pid);
    }
}
