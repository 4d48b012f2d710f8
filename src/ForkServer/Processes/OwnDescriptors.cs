using System.Runtime.Versioning;
using ForkServer.Cli;
using ForkServer.Interop;

namespace ForkServer.Processes;

/// <summary>
/// The server's standard descriptors, as <see cref="StandardStreams"/> tells them: one the runtime's own took the
/// number of is treated as closed.
/// </summary>
[SupportedOSPlatform("linux")]
public static class OwnDescriptors
{
    /// <summary>What standard descriptor <paramref name="fd"/> is, Closed too when the runtime's own took its number.</summary>
    public static DescriptorKind Standard(int fd) => Posix.Describe(fd) is var kind && kind != DescriptorKind.Closed && StandardStreams.WereClosed(fd) ? DescriptorKind.Closed : kind;
}
