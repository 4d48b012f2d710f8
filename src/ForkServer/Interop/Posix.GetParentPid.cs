using Tmds.Linux;

namespace ForkServer.Interop;

public static partial class Posix
{
    /// <summary>getppid(2): changes when a parent dies and the orphan is adopted by init or a subreaper.</summary>
    public static int GetParentPid() => LibC.getppid();
}
