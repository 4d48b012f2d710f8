using System.Runtime.InteropServices;

namespace ForkServer.Interop;

/// <summary>
/// A libc call that failed, with the errno it set: <c>fork failed: EAGAIN (Resource temporarily unavailable)</c>.
/// Every wrapper in <see cref="Posix"/> turns a -1 return into one of these at the boundary, so callers never read
/// errno themselves (the runtime may overwrite it between two P/Invokes). A wrapper that expects some errnos
/// (EINTR, EAGAIN) looks at the number first and makes an exception only to throw it: making one formats its
/// message, an allocation the forking loop must not make on every turn.
/// </summary>
public sealed class PosixException(string call, int errno)
    : Exception($"{call} failed: {Posix.ErrnoName(errno)} ({Marshal.GetPInvokeErrorMessage(errno)})")
{
    /// <summary>The libc function that failed, as <c>man 2</c> names it.</summary>
    public string Call { get; } = call;

    public int Errno { get; } = errno;

    /// <summary>Reads errno as saved by the runtime right after the P/Invoke that just returned.</summary>
    public static PosixException FromLastError(string call) => new(call, Marshal.GetLastPInvokeError());
}
