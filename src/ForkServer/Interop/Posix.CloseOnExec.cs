using Tmds.Linux;

namespace ForkServer.Interop;

public static partial class Posix
{
    /// <summary>fcntl(F_SETFD, 0): <paramref name="fd"/> stays open across execve (dup2 onto itself would leave FD_CLOEXEC set).</summary>
    public static void ClearCloseOnExec(int fd)
    {
        if (LibC.fcntl(fd, LibC.F_SETFD, 0) != 0)
        {
            Failed("fcntl");
        }
    }
}
