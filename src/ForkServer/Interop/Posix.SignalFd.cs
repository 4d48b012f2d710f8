using System.Runtime.InteropServices;
using Tmds.Linux;

namespace ForkServer.Interop;

public static partial class Posix
{
    private const int SFD_NONBLOCK = 0x800;
    private const int SFD_CLOEXEC = 0x80000;

    /// <summary>The size of struct signalfd_siginfo; its first field is the signal's number.</summary>
    private const int SignalInfoSize = 128;

    /// <summary>
    /// signalfd(2), non-blocking and close-on-exec: a descriptor that is readable while any of
    /// <paramref name="signals"/> is pending for this process. The signals must be blocked in every thread, or the
    /// kernel delivers them to a thread that does not block them instead.
    /// </summary>
    public static unsafe int OpenSignalFd(SignalSet signals)
    {
        sigset_t set;
        signals.CopyTo(&set);
        int fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
        return fd >= 0 ? fd : Failed("signalfd");
    }

    /// <summary>
    /// Reads every pending signal off a signalfd and returns them as a set; empty if none was pending. A read that
    /// does not fill the buffer took all there were: one read per wake-up, not a second one to hear EAGAIN (a signal
    /// that comes later makes the descriptor readable again).
    /// </summary>
    public static unsafe SignalSet TakeSignals(int signalFd)
    {
        const int Batch = 8;
        byte* infos = stackalloc byte[SignalInfoSize * Batch];
        ulong arrived = 0;
        while (true)
        {
            long n = LibC.read(signalFd, infos, SignalInfoSize * Batch);
            if (n < 0)
            {
                if (Interrupted())
                {
                    continue;
                }
                Failed("read", Errno.EAGAIN);
                return new SignalSet(arrived);
            }
            for (long offset = 0; offset + SignalInfoSize <= n; offset += SignalInfoSize)
            {
                arrived |= SignalSet.Of((int)*(uint*)(infos + offset)).Mask;
            }
            if (n < SignalInfoSize * Batch)
            {
                return new SignalSet(arrived);
            }
        }
    }

    [DllImport(Libc, SetLastError = true)]
    private static extern unsafe int signalfd(int fd, sigset_t* mask, int flags);
}
