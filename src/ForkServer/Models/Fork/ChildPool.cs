using System.Runtime.Versioning;
using ForkServer.Interop;

namespace ForkServer.Models.Fork;

/// <summary>
/// Children started before their clients come (the spawn model's <c>--workers N</c>): each waits on its end of an
/// AF_UNIX socket pair, and the loop hands it an accepted client over that channel (SCM_RIGHTS), then starts another
/// to keep <see cref="Size"/> waiting. A child pays for its start-up (a whole runtime, for the spawn model) while no
/// client waits for it. The channels are the parent's only record of who waits; the supervisor reaps them as any child.
/// </summary>
[SupportedOSPlatform("linux")]
public sealed class ChildPool(int size)
{
    private readonly Queue<(int Pid, int Channel)> _waiting = new(size);
    private int _ours = -1;

    /// <summary>How many children the pool keeps waiting.</summary>
    public int Size => size;

    public int Waiting => _waiting.Count;

    /// <summary>In the parent, before the fork of a child to wait: a new channel; returns the child's end.</summary>
    public int OpenChannel()
    {
        (_ours, int theirs) = Posix.SocketPair();
        return theirs;
    }

    /// <summary>After that fork: the child (if <paramref name="pid"/> is one) waits on the channel; ours closes its end.</summary>
    public void Started(int pid, int theirs)
    {
        Posix.Close(theirs);
        if (pid > 0)
        {
            _waiting.Enqueue((pid, _ours));
        }
        else
        {
            Posix.Close(_ours);
        }
        _ours = -1;
    }

    /// <summary>
    /// Hands <paramref name="client"/> to the child that has waited longest: its pid, or 0 when no child waits. A child
    /// that died waiting is skipped (its channel says so: EPIPE).
    /// </summary>
    public int HandOver(int client)
    {
        while (_waiting.TryDequeue(out var child))
        {
            int sent = Posix.SendDescriptor(child.Channel, client);
            Posix.Close(child.Channel);
            if (sent == 0)
            {
                return child.Pid;
            }
        }
        return 0;
    }

    /// <summary>At the stop: closes every channel, which a waiting child reads as "no client is coming".</summary>
    public void Close()
    {
        while (_waiting.TryDequeue(out var child))
        {
            Posix.Close(child.Channel);
        }
    }
}
