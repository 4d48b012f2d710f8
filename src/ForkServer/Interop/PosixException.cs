using System.Runtime.InteropServices;

namespace ForkServer.Interop;

/// <summary>
/// A libc call that failed with an errno its caller did not expect: <c>sigaction failed: EINVAL (Invalid argument)</c>.
/// Errnos a caller handles come back from the wrapper as negative numbers instead (see <see cref="Posix"/>); when one of
/// those must still be told to a person, <see cref="Describe"/> makes the same words.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class PosixException(string call, int errno) : Exception(Describe(call, errno))
{
    /// <summary>The libc function that failed, as <c>man 2</c> names it.</summary>
    public string Call { get; } = call;

    public int Errno { get; } = errno;

    /// <summary>"fork failed: EAGAIN (Resource temporarily unavailable)".</summary>
    public static string Describe(string call, int errno) =>
        $"{call} failed: {Posix.ErrnoName(errno)} ({Marshal.GetPInvokeErrorMessage(errno)})";
}
