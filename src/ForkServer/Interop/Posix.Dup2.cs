using Tmds.Linux;

namespace ForkServer.Interop;

public static partial class Posix
{
    /// <summary>dup2(2): <paramref name="newFd"/> becomes a copy of <paramref name="oldFd"/>, without FD_CLOEXEC.</summary>
    public static void Dup2(int oldFd, int newFd)
    {
        while (LibC.dup2(oldFd, newFd) < 0)
        {
            if (!Interrupted())
            {
                Failed("dup2");
            }
        }
    }
}
