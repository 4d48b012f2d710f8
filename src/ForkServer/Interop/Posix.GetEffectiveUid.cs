using Tmds.Linux;

namespace ForkServer.Interop;

public static partial class Posix
{
    /// <summary>geteuid(2): 0 when the process runs with root's privileges.</summary>
    public static uint GetEffectiveUid() => LibC.geteuid();
}
