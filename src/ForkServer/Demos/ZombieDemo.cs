using System.CommandLine;
using ForkServer.Interop;
using ForkServer.Logging;
using ForkServer.Processes;
using ForkServer.Cli;
using ForkServer.Supervision;

namespace ForkServer.Demos;

/// <summary>
/// <c>forkserver demo zombie</c>: a child that has exited but was not waited for stays in the process table as a
/// zombie (state Z, <c>&lt;defunct&gt;</c> in ps) holding only its exit status, until the parent calls waitpid(2).
/// </summary>
public static class ZombieDemo
{
    /// <summary>The status the child exits with, so the reap visibly hands it back to the parent.</summary>
    private const int ChildStatus = 42;

    public static Command Command()
    {
        var hold = Hold.Option("the zombie");
        var command = new Command("zombie", "Fork a child that exits at once, show it as a zombie (Z, <defunct>), then reap it with waitpid") { hold };
        command.SetAction(parsed => OperatingSystem.IsLinux() ? Run(TimeSpan.FromSeconds(parsed.GetValue(hold)), new EventLog(LogFormat.Text, quiet: false)) : DemoCommand.NeedsLinux());
        return command;
    }

    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    private static int Run(TimeSpan hold, EventLog log)
    {
        int self = Posix.GetPid();
        log.Info("demo", $"demo zombie: process {self} forks a child that exits at once, and waits {hold.TotalSeconds:0.#} s before reaping it");
        int child = ChildStart.Fork(ChildStart.Untied("fs-demo-zombie"), () =>
        {
            log.Info("child-exit", $"child {Posix.GetPid()}: my parent is {Posix.GetParentPid()}; exiting now with status {ChildStatus}");
            return ChildStatus;
        }, log);
        if (child < 0)
        {
            log.Error("demo-failed", PosixException.Describe("fork", -child));
            return ExitCodes.Failure;
        }
        if (!Poll.Until(() => ProcStat.Read(child)?.State == 'Z', Poll.Briefly))
        {
            log.Error("demo-failed", $"child {child} did not become a zombie: /proc/{child}/stat says {ProcStat.Read(child)?.StateName ?? "nothing"}");
            return ExitCodes.Failure;
        }
        var stat = ProcStat.Read(child)!.Value;
        log.Info("zombie",
            $"child {child} has exited, but nobody has waited for it: /proc/{child}/stat says state {stat.StateName}, parent {stat.PPid}; ps shows it as [{stat.Comm}] <defunct>",
            new LogField("child", child), new LogField("state", stat.State.ToString()));
        log.Info("look", $"see it in another terminal within {hold.TotalSeconds:0.#} s: {Hold.PsCommand(child)}");
        Thread.Sleep(hold);

        int reaped = Posix.WaitPid(child, noHang: false, out var status);
        log.Info("reaped", $"waitpid({child}) returned {reaped}: the child {status}; its zombie is removed",
            new LogField("child", reaped), new LogField("status", status.ToString()));
        log.Info("gone", ProcStat.Read(child) is null
            ? $"/proc/{child} no longer exists: pid {child} is free again and ps shows nothing for it"
            : $"/proc/{child} still exists: pid {child} was reused at once by another process");
        return ExitCodes.Ok;
    }
}
