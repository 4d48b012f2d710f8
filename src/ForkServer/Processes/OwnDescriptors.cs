using System.Runtime.Versioning;
using ForkServer.Interop;

namespace ForkServer.Processes;

/// <summary>
/// A program started with descriptor 0, 1 or 2 closed finds there, later, whatever the runtime opened first: a pipe of
/// its own under the JIT, /dev/urandom under NativeAOT. Reading or writing that would be meddling with the runtime's
/// plumbing, so the server treats such a descriptor as closed. The runtime opens its descriptors close-on-exec, and
/// no descriptor inherited across execve can have that flag: so the flag tells.
/// </summary>
[SupportedOSPlatform("linux")]
public static class OwnDescriptors
{
    public static bool OpenedHere(int fd) => Posix.IsCloseOnExec(fd);

    /// <summary>What standard descriptor <paramref name="fd"/> is, Closed too when the runtime's own took its number.</summary>
    public static DescriptorKind Standard(int fd) => Posix.Describe(fd) is var kind && kind != DescriptorKind.Closed && OpenedHere(fd) ? DescriptorKind.Closed : kind;
}
