using System.Runtime.InteropServices;
using Tmds.Linux;

namespace ForkServer.Interop;

public static partial class Posix
{
    /// <summary>
    /// poll(2) for readability. Returns how many descriptors are ready and sets <paramref name="readable"/> for each;
    /// 0 on timeout and also on EINTR, because an interrupting signal is exactly what the caller wakes up to look at.
    /// </summary>
    public static unsafe int PollReadable(ReadOnlySpan<int> fds, Span<bool> readable, int timeoutMilliseconds)
    {
        Span<pollfd> set = stackalloc pollfd[fds.Length];
        for (int i = 0; i < fds.Length; i++)
        {
            set[i].fd = fds[i];
            set[i].events = (short)LibC.POLLIN;
        }
        int ready;
        fixed (pollfd* p = set)
        {
            ready = poll(p, (nuint)set.Length, timeoutMilliseconds);
        }
        if (ready < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            if (errno != LibC.EINTR)
            {
                throw new PosixException("poll", errno);
            }
            ready = 0;
        }
        for (int i = 0; i < fds.Length; i++)
        {
            // POLLHUP and POLLERR count as readable: the next read or accept reports what happened.
            readable[i] = set[i].revents != 0;
        }
        return ready;
    }

    // Tmds.LibC declares poll without SetLastError, so errno (EINTR above all) would be lost.
    [LibraryImport("libc", SetLastError = true)]
    private static unsafe partial int poll(pollfd* fds, nuint nfds, int timeout);
}
