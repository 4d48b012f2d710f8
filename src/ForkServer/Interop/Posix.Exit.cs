using System.Diagnostics.CodeAnalysis;
using Tmds.Linux;

namespace ForkServer.Interop;

public static partial class Posix
{
    /// <summary>
    /// _exit(2): ends the process now, without running the runtime's shutdown. A forked child must leave this way:
    /// returning into the runtime would run the parent's code paths and try to stop threads that do not exist here.
    /// </summary>
    [DoesNotReturn]
    public static void Exit(int status)
    {
        LibC._exit(status);
        throw new System.Diagnostics.UnreachableException("_exit returned");
    }
}
