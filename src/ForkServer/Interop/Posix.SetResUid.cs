using Tmds.Linux;

namespace ForkServer.Interop;

public static partial class Posix
{
    /// <summary>setresuid(2): real, effective and saved user ids all at once, so root cannot be taken back.</summary>
    public static void SetResUid(uint uid)
    {
        if (LibC.setresuid(uid, uid, uid) != 0)
        {
            Failed("setresuid");
        }
    }
}
