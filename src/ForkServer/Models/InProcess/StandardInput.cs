using System.Runtime.Versioning;
using ForkServer.Interop;
using ForkServer.Processes;

namespace ForkServer.Models.InProcess;

/// <summary>
/// Whether the select server watches its standard input, as the tutorial's does (any line, or the end of its input,
/// stops it): only when it is a terminal or a pipe someone gave it. Started with standard input closed, the process
/// finds on descriptor 0 whatever the runtime opened first (a pipe of its own, under the JIT): reading that would be
/// reading the runtime's own plumbing.
/// </summary>
[SupportedOSPlatform("linux")]
public static class StandardInput
{
    public const int Fd = 0;

    /// <summary>Whether to watch it, and what the listening line says about it.</summary>
    public static (bool Watch, string Says) Decide() => OwnDescriptors.Standard(Fd) switch
    {
        DescriptorKind.Terminal => (true, "type a line here to stop it"),
        DescriptorKind.Pipe => (true, "a line on standard input, or its end, stops it"),
        DescriptorKind.Closed => (false, "standard input is closed, so nothing typed stops it"),
        var kind => (false, $"standard input is a {Describe(kind)}, which is not watched"),
    };

    private static string Describe(DescriptorKind kind) => kind switch
    {
        DescriptorKind.CharacterDevice => "device such as /dev/null",
        DescriptorKind.File => "file",
        DescriptorKind.Socket => "socket",
        _ => "descriptor of another kind",
    };
}
