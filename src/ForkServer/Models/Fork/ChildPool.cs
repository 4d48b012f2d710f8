using System.Runtime.Versioning;
using ForkServer.Interop;

namespace ForkServer.Models.Fork;

/// <summary>
/// The spawn model's pool on Linux (<c>--workers N</c>, <see cref="PoolLine"/>): each child waits on its end of an
/// AF_UNIX socket pair, and the loop hands it an accepted client over that channel (SCM_RIGHTS), then starts another
/// to keep <see cref="Size"/> waiting. A child pays for its start-up (a whole runtime) while no client waits for it.
/// With <c>--clients-per-child M</c> a child done with a client writes its pid to the pool's ready pipe and waits on
/// its channel again; a closed channel tells it to go. The channels are the parent's only record of who waits; the
/// supervisor reaps pool children as any child, and the loop tells the pool (<see cref="Forget"/>).
/// </summary>
[SupportedOSPlatform("linux")]
public sealed class ChildPool
{
    /// <summary>
    /// The lowest descriptor a child's end of the pool is put at: 0 to 9 are the descriptors a program is given (the
    /// shell's convention), so a child can move its ends there without one landing on the other.
    /// </summary>
    private const int AboveProgramDescriptors = 10;

    private readonly PoolLine _line;
    // Our end of each pool child's channel.
    private readonly Dictionary<int, int> _channels = [];
    private readonly int _readyRead = -1;
    private int _ours = -1;

    /// <param name="size">Children kept waiting.</param>
    /// <param name="clientsPerChild">Clients one child serves before it exits.</param>
    public ChildPool(int size, int clientsPerChild)
    {
        _line = new PoolLine(size, clientsPerChild);
        if (clientsPerChild > 1)
        {
            (_readyRead, int write) = Posix.Pipe();
            ReadyForChild = Posix.DuplicateAbove(write, AboveProgramDescriptors);
            Posix.Close(write);
        }
    }

    public int Size => _line.Size;

    public int ClientsPerChild => _line.ClientsPerChild;

    public int Waiting => _line.Waiting;

    public int Returning => _line.Returning;

    public bool NeedsChild => _line.NeedsChild;

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
            _channels[pid] = _ours;
            _line.Started(pid);
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
        int pid;
        while ((pid = _line.Take(out bool last)) != 0)
        {
            if (Posix.SendDescriptor(_channels[pid], client) != 0)
            {
                _line.Forget(pid);
                CloseChannel(pid);
                continue;
            }
            if (last)
            {
                // Its last client: the closed channel is what it reads when it is done, and it exits.
                CloseChannel(pid);
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
        bool? kept = _line.Return(pid);
        if (kept == false)
        {
            CloseChannel(pid);
        }
        return kept;
    }

    /// <summary>The line that says what became of a child back from its client (<see cref="PoolLine.LogReturn"/>).</summary>
    public void LogReturn(Logging.EventLog log, int pid, bool kept) => _line.LogReturn(log, pid, kept);

    /// <summary>
    /// The supervisor has reaped <paramref name="pid"/>: if it was the pool's, its channel closes. True if it was still
    /// waiting for its first client.
    /// </summary>
    public bool Forget(int pid)
    {
        bool unused = _line.WaitsForFirstClient(pid);
        if (_line.Forget(pid))
        {
            CloseChannel(pid);
        }
        return unused;
    }

    /// <summary>At the stop: closes every channel, which a waiting child reads as "no client is coming".</summary>
    public void Close()
    {
        foreach (int channel in _channels.Values)
        {
            Posix.Close(channel);
        }
        _channels.Clear();
        _line.Clear();
    }

    private void CloseChannel(int pid)
    {
        if (_channels.Remove(pid, out int channel))
        {
            Posix.Close(channel);
        }
    }
}
