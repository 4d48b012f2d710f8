using System.CommandLine;
using System.Globalization;
using System.Text;
using ForkServer.Interop;
using ForkServer.Logging;
using ForkServer.Processes;
using ForkServer.Cli;
using ForkServer.Supervision;

namespace ForkServer.Demos;

/// <summary>
/// <c>forkserver demo orphan [--subreaper]</c>: this process (the demo) forks a parent, the parent forks a child and
/// exits, and the child, now an orphan, is re-parented by the kernel to PID 1 or to the nearest subreaper above
/// it. With <c>--subreaper</c> the demo makes itself that subreaper with prctl(PR_SET_CHILD_SUBREAPER), so the
/// orphan comes to it, and it reaps it as its own child.
/// </summary>
public static class OrphanDemo
{
    public static Command Command()
    {
        var hold = Hold.Option("each stage (child under its parent, then the orphan under its new parent)");
        var subreaper = new Option<bool>("--subreaper") { Description = "Make the demo process a subreaper first, so the orphan is adopted and reaped by it instead of PID 1" };
        var command = new Command("orphan", "Let a parent exit while its child lives on, and show who adopts the orphan: PID 1 or a subreaper") { hold, subreaper };
        command.SetAction(parsed => OperatingSystem.IsLinux() ? Run(TimeSpan.FromSeconds(parsed.GetValue(hold)), parsed.GetValue(subreaper), new EventLog(LogFormat.Text, quiet: false)) : DemoCommand.NeedsLinux());
        return command;
    }

    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    private static int Run(TimeSpan hold, bool subreaper, EventLog log)
    {
        int self = Posix.GetPid();
        log.Info("demo", $"demo orphan: process {self} forks a parent, which forks a child and exits {hold.TotalSeconds:0.#} s later without waiting for it");
        if (subreaper)
        {
            Posix.SetChildSubreaper();
            log.Info("subreaper", $"prctl(PR_SET_CHILD_SUBREAPER, 1): orphans anywhere below process {self} now come to it instead of PID 1");
        }
        // The parent tells the demo its child's pid through this pipe, so the demo can follow the orphan.
        var (readFd, writeFd) = Posix.Pipe();
        int parent = ChildStart.Fork(ChildStart.Untied("fs-demo-parent"), () => RunParent(hold, writeFd, log), log);
        if (parent < 0)
        {
            log.Error("demo-failed", PosixException.Describe("fork", -parent));
            return ExitCodes.Failure;
        }
        Posix.Close(writeFd);
        int child = ReadPid(readFd);
        Posix.Close(readFd);

        int reaped = Posix.WaitPid(parent, noHang: false, out var parentStatus);
        log.Info("reaped-parent", $"waitpid({reaped}): the parent {parentStatus}; its child {child} is now an orphan");
        if (child <= 0)
        {
            log.Error("demo-failed", "the parent did not report its child's pid");
            return ExitCodes.Failure;
        }
        if (ProcStat.Read(child) is { } stat && stat.PPid == self)
        {
            // Adopted here (as subreaper, or as PID 1 of a PID namespace): this process must reap it.
            Posix.WaitPid(child, noHang: false, out var childStatus);
            log.Info("reaped-orphan", $"waitpid({child}): the orphan {childStatus}; process {self} adopted it and reaped it, as PID 1 or a subreaper must");
        }
        else if (!Poll.Until(() => ProcStat.Read(child) is null, hold + TimeSpan.FromSeconds(30)))
        {
            var left = ProcStat.Read(child);
            log.Error("demo-failed", $"orphan {child} is still there ({left?.StateName}) under {left?.PPid}: its new parent does not reap its adopted children");
            return ExitCodes.Failure;
        }
        log.Info("gone", $"/proc/{child} no longer exists: the orphan was reaped by its new parent, and no zombie is left");
        return ExitCodes.Ok;
    }

    /// <summary>The middle process: forks the child, reports its pid, holds, and exits without waiting for it.</summary>
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    private static int RunParent(TimeSpan hold, int writeFd, EventLog log)
    {
        int parent = Posix.GetPid();
        int child = ChildStart.Fork(ChildStart.Untied("fs-demo-orphan"), () => RunChild(parent, writeFd, hold, log), log);
        if (child < 0)
        {
            log.Error("demo-failed", PosixException.Describe("fork", -child));
            return ExitCodes.Failure;
        }
        Posix.Write(writeFd, Encoding.ASCII.GetBytes($"{child}\n"));
        Posix.Close(writeFd);
        log.Info("parent", $"parent {parent}: forked child {child}; exiting in {hold.TotalSeconds:0.#} s without waiting for it");
        Thread.Sleep(hold);
        log.Info("parent-exit", $"parent {parent}: exiting now");
        return ExitCodes.Ok;
    }

    /// <summary>The child: shows its parent, waits to be orphaned, names who adopted it, holds, exits.</summary>
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    private static int RunChild(int parent, int writeFd, TimeSpan hold, EventLog log)
    {
        Posix.Close(writeFd);
        int self = Posix.GetPid();
        log.Info("child", $"child {self}: my parent is {Posix.GetParentPid()} (getppid); see it: {Hold.PsCommand(self)}");
        int adopter = Adoption.WaitForNewParent(parent, hold + TimeSpan.FromSeconds(30));
        int procParent = ProcStat.Read(self)?.PPid ?? -1;
        log.Info("adopted",
            $"child {self}: my parent {parent} exited; getppid() is now {adopter} and /proc/{self}/stat says parent {procParent}: adopted by {Describe(adopter)}",
            new LogField("child", self), new LogField("old_parent", parent), new LogField("new_parent", adopter));
        log.Info("look", $"child {self}: an orphan for {hold.TotalSeconds:0.#} s; see it: {Hold.PsCommand(self)}");
        Thread.Sleep(hold);
        log.Info("child-exit", $"child {self}: exiting now; my new parent {adopter} must reap me");
        return ExitCodes.Ok;
    }

    /// <summary>Who a process is, from /proc, and why the kernel chose it as the orphan's new parent.</summary>
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    private static string Describe(int pid)
    {
        string name = ProcStat.Read(pid)?.ToString() ?? pid.ToString(CultureInfo.InvariantCulture);
        string cmdline = ProcStat.CommandLine(pid);
        cmdline = cmdline.Length > 60 ? cmdline[..60] + "..." : cmdline;
        string why = pid == 1
            ? "PID 1, the init of this PID namespace, which adopts every orphan that has no subreaper above it"
            : "the nearest subreaper above it (a process that called prctl(PR_SET_CHILD_SUBREAPER)); PID 1 adopts orphans only when there is none";
        return $"{name} `{cmdline}`: {why}";
    }

    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    private static int ReadPid(int fd)
    {
        Span<byte> buffer = stackalloc byte[16];
        Posix.WaitReadable(fd, 10_000);
        // Opened O_NONBLOCK: nothing there after the poll's timeout reads as -1.
        int n = Posix.Read(fd, buffer);
        return n > 0 && int.TryParse(Encoding.ASCII.GetString(buffer[..n]).Trim(), out int pid) ? pid : -1;
    }
}
