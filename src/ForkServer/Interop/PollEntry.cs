namespace ForkServer.Interop;

/// <summary>
/// One descriptor for <see cref="Posix.Poll"/>, laid out as struct pollfd: what to wait for, and what happened. A
/// negative <see cref="Fd"/> is skipped by the kernel, which lets a loop keep its array and switch a descriptor off.
/// </summary>
public struct PollEntry
{
    public const short Readable = 0x001;
    public const short Writable = 0x004;
    private const short Error = 0x008;
    private const short HangUp = 0x010;

    public int Fd;
    public short Events;
    public short ReturnedEvents;

    public PollEntry(int fd, short events)
    {
        Fd = fd;
        Events = events;
        ReturnedEvents = 0;
    }

    /// <summary>Readable, or hung up or failed: the next read or accept says which.</summary>
    public readonly bool CanRead => (ReturnedEvents & (Readable | HangUp | Error)) != 0;

    public readonly bool CanWrite => (ReturnedEvents & (Writable | HangUp | Error)) != 0;
}
