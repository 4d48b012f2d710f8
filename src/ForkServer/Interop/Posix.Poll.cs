using System.Runtime.InteropServices;

namespace ForkServer.Interop;

public static partial class Posix
{
    /// <summary>
    /// poll(2): waits until one of <paramref name="entries"/> is ready or <paramref name="timeoutMilliseconds"/> pass
    /// (-1: no limit), and fills in what happened. Returns how many are ready; 0 on timeout and also on EINTR.
    /// </summary>
    public static unsafe int Poll(Span<PollEntry> entries, int timeoutMilliseconds)
    {
        foreach (ref var entry in entries)
        {
            entry.ReturnedEvents = 0;
        }
        int ready;
        fixed (PollEntry* p = entries)
        {
            ready = poll(p, (nuint)entries.Length, timeoutMilliseconds);
        }
        return ready >= 0 ? ready : Interrupted() ? 0 : Failed("poll");
    }

    /// <summary>Whether <paramref name="fd"/> is readable within <paramref name="timeoutMilliseconds"/>.</summary>
    public static bool WaitReadable(int fd, int timeoutMilliseconds)
    {
        Span<PollEntry> entry = [new PollEntry(fd, PollEntry.Readable)];
        return Poll(entry, timeoutMilliseconds) > 0 && entry[0].CanRead;
    }

    // Tmds.LibC declares poll without SetLastError, so errno (EINTR above all) would be lost.
    [DllImport(Libc, SetLastError = true)]
    private static extern unsafe int poll(PollEntry* fds, nuint nfds, int timeout);
}
