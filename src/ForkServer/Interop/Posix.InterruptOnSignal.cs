using System.Runtime.InteropServices;
using Tmds.Linux;

namespace ForkServer.Interop;

public static partial class Posix
{
    /// <summary>
    /// sigaction(2) with a handler that does nothing, so that <paramref name="signal"/> interrupts a blocked poll(2)
    /// with EINTR instead of being discarded (SIGCHLD's default action). The kernel sends SIGCHLD to the thread that
    /// forked the child while that thread does not block it, so the accept loop's own poll wakes up: no other thread
    /// runs any code, and a fork can never copy a runtime lock that such a thread held. The handler must be native
    /// (managed code cannot run in a signal handler), async-signal-safe and must leave errno alone: getpid(2) is all
    /// three. SA_RESTART lets every other system call carry on; poll(2) is never restarted.
    /// </summary>
    public static unsafe void InterruptOnSignal(int signal)
    {
        sigaction action = default;
        action.sa_handler = (void*)NativeLibrary.GetExport(NativeLibrary.Load("libc.so.6"), "getpid");
        action.sa_flags = LibC.SA_RESTART | LibC.SA_NOCLDSTOP;
        LibC.sigemptyset(&action.sa_mask);
        if (LibC.sigaction(signal, &action, null) != 0)
        {
            throw PosixException.FromLastError("sigaction");
        }
    }
}
