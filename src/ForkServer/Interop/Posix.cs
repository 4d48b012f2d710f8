using System.Runtime.InteropServices;
using System.Runtime.Versioning;

namespace ForkServer.Interop;

/// <summary>
/// Every libc call the server makes, one wrapper a file, all with one return convention:
/// <list type="bullet">
/// <item>success returns what the call returns (a descriptor, a count, a pid), or nothing;</item>
/// <item>an errno the caller is there to handle (EAGAIN from a socket with a timeout, ECHILD from waitpid, ESRCH from
/// kill, EMFILE from accept4) comes back negated, <c>-EAGAIN</c>, the kernel's own convention; each wrapper's summary
/// names the ones it returns. No exception is made for them: making one formats its message, an allocation the forking
/// loop and its children must not make;</item>
/// <item>any other errno throws <see cref="PosixException"/>, which names the call;</item>
/// <item>EINTR is retried by every call that can block, except poll(2), which returns 0: a signal is what its
/// caller wakes up for.</item>
/// </list>
/// Linux only (glibc or musl): the compiler's platform analyzer (CA1416) fails the build where code that also runs on
/// Windows could reach it.
/// </summary>
[SupportedOSPlatform("linux")]
public static partial class Posix
{
    private const string Libc = "libc";

    /// <summary>
    /// The errno of the P/Invoke that just failed: negated when it is one of <paramref name="expected"/>, else thrown
    /// as a <see cref="PosixException"/> naming <paramref name="call"/>.
    /// </summary>
    private static int Failed(string call, params ReadOnlySpan<int> expected)
    {
        int errno = Marshal.GetLastPInvokeError();
        foreach (int e in expected)
        {
            if (errno == e)
            {
                return -errno;
            }
        }
        throw new PosixException(call, errno);
    }

    private static bool Interrupted() => Marshal.GetLastPInvokeError() == Errno.EINTR;
}
