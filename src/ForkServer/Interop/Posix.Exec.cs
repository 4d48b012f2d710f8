using Tmds.Linux;

namespace ForkServer.Interop;

public static partial class Posix
{
    /// <summary>
    /// execve(2) of <paramref name="path"/> with NUL-terminated strings already laid out by <see cref="ExecImage"/>, so
    /// that a forked child allocates nothing before it. Returns only on failure, with -errno for every errno: the
    /// child's exit status is what reports it (127 not found, 126 not executable, as a shell does).
    /// </summary>
    public static unsafe int Exec(ExecImage image)
    {
        LibC.execve(image.Path, image.Arguments, image.Environment);
        return -System.Runtime.InteropServices.Marshal.GetLastPInvokeError();
    }
}
