using System.Text;
using ForkServer.Interop;
using ForkServer.Cli;
using ForkServer.Logging;
using ForkServer.Supervision;

namespace ForkServer.Demos;

/// <summary>
/// <c>forkserver demo fork</c>: fork(2) is called once but returns twice, once in each process. In the parent it
/// returns the child's pid, in the child 0. The child prints and leaves with _exit; the parent waits for it.
/// Output goes through single write(2)s: a managed buffer would be copied into the child and flushed twice.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public static class ForkDemo
{
    public static int Run()
    {
        Print($"fork is called once but returns twice (pid {Posix.GetPid()} calls it)");
        int pid = ChildStart.Fork(ChildStart.Untied("fs-demo-child"), () =>
        {
            Print($"child:  fork returned 0; my pid is {Posix.GetPid()}, my parent is {Posix.GetParentPid()}");
            return 0;
        }, EventLog.Default);
        if (pid < 0)
        {
            Print(PosixException.Describe("fork", -pid));
            return ExitCodes.Failure;
        }
        Print($"parent: fork returned {pid} (the child's pid); my pid is {Posix.GetPid()}");
        Posix.WaitPid(pid, noHang: false, out var status);
        Print($"parent: child {pid} {status}");
        return 0;
    }

    private static void Print(string line) => Posix.Write(1, Encoding.UTF8.GetBytes(line + "\n"));
}
