using Tmds.Linux;

namespace ForkServer.Interop;

public static partial class Posix
{
    /// <summary>
    /// fork(2): returns twice, 0 in the new child and the child's pid in the parent. Only the calling thread
    /// exists in the child, so the caller must fork while no other thread can hold a lock the child will need.
    /// </summary>
    public static int Fork()
    {
        int pid = LibC.fork();
        if (pid < 0)
        {
            throw PosixException.FromLastError("fork");
        }
        return pid;
    }
}
