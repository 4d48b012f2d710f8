using Tmds.Linux;

namespace ForkServer.Interop;

public static partial class Posix
{
    /// <summary>
    /// fork(2): returns twice, 0 in the new child and the child's pid in the parent; -EAGAIN or -ENOMEM when the process
    /// or memory limit stops it, which the caller tells its client about. Only the calling thread exists in the child,
    /// so the caller must fork while no other thread can hold a lock the child will need (Supervision/ForkSafety.cs).
    /// </summary>
    public static int Fork()
    {
        int pid = LibC.fork();
        return pid >= 0 ? pid : Failed("fork", Errno.EAGAIN, Errno.ENOMEM);
    }
}
