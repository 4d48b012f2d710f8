using System.Runtime.InteropServices;

namespace ForkServer.Interop;

public static partial class Posix
{
    private const int P_PID = 1;
    private const int WEXITED = 4;
    private const int WNOWAIT = 0x01000000;
    private const int WNOHANG = 1;
    private const int CLD_EXITED = 1;

    /// <summary>
    /// waitid(P_PID, pid, WEXITED | WNOHANG | WNOWAIT): whether the child has exited, and how, without reaping it. It
    /// stays a zombie for the reap policy to collect; this only lets the log say when it died. 0 when it has not
    /// exited, 1 when it has (<paramref name="status"/> says how), -ECHILD when there is no such child.
    /// </summary>
    public static unsafe int PeekExit(int pid, out WaitStatus status)
    {
        // siginfo_t is 128 bytes; si_pid is at offset 16, si_code at 8 and si_status at 24 on every Linux ABI we run on.
        byte* info = stackalloc byte[128];
        new Span<byte>(info, 128).Clear();
        status = default;
        while (waitid(P_PID, pid, info, WEXITED | WNOHANG | WNOWAIT) != 0)
        {
            if (!Interrupted())
            {
                return Failed("waitid", Errno.ECHILD);
            }
        }
        if (*(int*)(info + 16) == 0)
        {
            return 0;
        }
        int code = *(int*)(info + 8);
        int value = *(int*)(info + 24);
        status = code == CLD_EXITED ? WaitStatus.FromExit(value) : WaitStatus.FromSignal(value);
        return 1;
    }

    [DllImport(Libc, SetLastError = true)]
    private static extern unsafe int waitid(int idtype, int id, byte* info, int options);
}
