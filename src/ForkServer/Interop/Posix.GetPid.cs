using Tmds.Linux;

namespace ForkServer.Interop;

public static partial class Posix
{
    /// <summary>
    /// getpid(2), asked of the kernel every time: Environment.ProcessId is cached by the runtime and still holds
    /// the parent's pid inside a forked child.
    /// </summary>
    public static int GetPid() => LibC.getpid();
}
