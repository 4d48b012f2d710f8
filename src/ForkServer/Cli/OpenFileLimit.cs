using System.Runtime.Versioning;
using ForkServer.Interop;

namespace ForkServer.Cli;

/// <summary>
/// What a start that ran out of descriptors says. EMFILE is the process's own limit (ulimit -n), which the user can
/// raise, so the message says how; ENFILE (the whole system's table is full) and every other errno are told as they are.
/// </summary>
[SupportedOSPlatform("linux")]
public static class OpenFileLimit
{
    /// <summary>"socket failed: EMFILE (Too many open files); the limit on open files is 8: raise it (ulimit -n 1024)".</summary>
    public static string Describe(string call, int errno) =>
        PosixException.Describe(call, errno) + (errno == Errno.EMFILE ? $"; the limit on open files is {Posix.DescriptorLimit()}: raise it (ulimit -n 1024)" : "");
}
