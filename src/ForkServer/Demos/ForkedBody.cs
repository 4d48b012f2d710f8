using System.Diagnostics.CodeAnalysis;
using ForkServer.Interop;
using ForkServer.Logging;

namespace ForkServer.Demos;

/// <summary>
/// How a demo's forked process ends: it runs its body and leaves with _exit(2) whatever happens, so that it never
/// returns into the command line's code, which belongs to the process that forked it.
/// </summary>
public static class ForkedBody
{
    [DoesNotReturn]
    public static void RunAndExit(Func<int> body, EventLog log)
    {
        int status;
        try
        {
            status = body();
        }
        catch (Exception e)
        {
            log.Error("demo-failed", $"process {Posix.GetPid()} failed: {e.Message}");
            status = 1;
        }
        Posix.Exit(status);
    }
}
