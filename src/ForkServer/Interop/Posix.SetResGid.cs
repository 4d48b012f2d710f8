using Tmds.Linux;

namespace ForkServer.Interop;

public static partial class Posix
{
    /// <summary>setresgid(2): real, effective and saved group ids all at once, so none is left to regain.</summary>
    public static void SetResGid(uint gid)
    {
        if (LibC.setresgid(gid, gid, gid) != 0)
        {
            Failed("setresgid");
        }
    }
}
