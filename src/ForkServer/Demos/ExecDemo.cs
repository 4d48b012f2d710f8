using System.CommandLine;
using System.Runtime.Versioning;
using ForkServer.Cli;
using ForkServer.Interop;
using ForkServer.Logging;
using ForkServer.Models.Fork;
using ForkServer.Processes;
using ForkServer.Supervision;

namespace ForkServer.Demos;

/// <summary>
/// <c>forkserver demo exec</c>: fork, then execve(2) in the child. The pid stays; the program changes, as
/// /proc/PID/exe and comm show; the parent waits for the exit status. Then an execve that fails: the child is still
/// the parent's copy, and leaves with 127 (not found), as a shell reports "command not found".
/// </summary>
public static class ExecDemo
{
    private const string Missing = "/nonexistent/fs-demo-program";

    public static Command Command()
    {
        var hold = Hold.Option("the exec'd program (sleep)");
        var command = new Command("exec", "Fork, then execve in the child: same pid, another program (/proc/PID/exe, comm); and a failed execve exits 127") { hold };
        command.SetAction(parsed => OperatingSystem.IsLinux()
            ? Run(TimeSpan.FromSeconds(parsed.GetValue(hold)), new EventLog(LogFormat.Text, quiet: false))
            : DemoCommand.NeedsLinux());
        return command;
    }

    [SupportedOSPlatform("linux")]
    private static int Run(TimeSpan hold, EventLog log)
    {
        string sleep = File.Exists("/usr/bin/sleep") ? "/usr/bin/sleep" : "/bin/sleep";
        string seconds = hold.TotalSeconds.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture);
        // Made here: the child must allocate nothing, it only passes these to execve.
        using var program = ExecImage.Create(sleep, ["sleep", seconds], ["PATH=/usr/bin:/bin"]);
        using var missing = ExecImage.Create(Missing, [Missing], []);
        var pipe = new WakePipe();
        var attributes = ChildStart.Program("fs-demo-exec");
        Func<int> becomeSleep = () =>
        {
            // Wait until the parent has looked at the child as it is before execve.
            pipe.Sleep();
            Posix.CloseFrom(3);
            return ExecChild.FailureStatus(Posix.Exec(program));
        };
        Func<int> becomeMissing = () => ExecChild.FailureStatus(Posix.Exec(missing));
        ExecChild.Rehearse();
        ChildStart.Rehearse(attributes, becomeSleep, becomeMissing, pipe.Sleep);

        int self = Posix.GetPid();
        log.Info("demo", $"demo exec: process {self} ({Describe(self)}) forks a child, which will execve {sleep}");
        int child = ChildStart.Fork(attributes, becomeSleep, log);
        if (child < 0)
        {
            log.Error("demo-failed", PosixException.Describe("fork", -child));
            return ExitCodes.Failure;
        }
        string before = Executable(child);
        Poll.Until(() => ProcStat.Read(child)?.Comm == "fs-demo-exec", Poll.Briefly);
        log.Info("before", $"before execve: child {child} runs {Describe(child)}: a copy of its parent (only its comm was renamed, by prctl)",
            new LogField("child", child), new LogField("exe", before), new LogField("comm", ProcStat.Read(child)?.Comm));
        pipe.WakeAll();
        Poll.Until(() => Executable(child) != before, Poll.Briefly);
        log.Info("after",
            $"after execve: child {child} runs {Describe(child)}: the same pid, another program; execve replaced the memory and kept the pid, the parent and the open descriptors 0-2",
            new LogField("child", child), new LogField("exe", Executable(child)), new LogField("comm", ProcStat.Read(child)?.Comm));
        log.Info("look", $"see it in another terminal within {hold.TotalSeconds:0.#} s: {Hold.PsCommand(child)}; ls -l /proc/{child}/exe");
        Posix.WaitPid(child, noHang: false, out var status);
        log.Info("waited", $"waitpid({child}): the child {status}: the parent gets the exit status of the program the child became",
            new LogField("child", child), new LogField("status", status.ToString()));

        int failing = ChildStart.Fork(attributes, becomeMissing, log);
        if (failing < 0)
        {
            log.Error("demo-failed", PosixException.Describe("fork", -failing));
            return ExitCodes.Failure;
        }
        Posix.WaitPid(failing, noHang: false, out var failed);
        log.Info("failed-exec",
            $"child {failing} tried execve {Missing}: it failed (ENOENT), so the child was still a copy of this program and left with _exit({ExecChild.NotFound}); waitpid says it {failed}. A shell says 127 for \"command not found\" and 126 for found but not executable",
            new LogField("child", failing), new LogField("status", failed.ToString()), new LogField("exit_code", failed.ExitCode));
        return status.Exited && status.ExitCode == 0 && failed.ExitCode == ExecChild.NotFound ? ExitCodes.Ok : ExitCodes.Failure;
    }

    [SupportedOSPlatform("linux")]
    private static string Describe(int pid) => $"exe {Executable(pid)}, comm {ProcStat.Read(pid)?.Comm}, command line '{ProcStat.CommandLine(pid)}'";

    private static string Executable(int pid)
    {
        try
        {
            return new FileInfo($"/proc/{pid}/exe").LinkTarget ?? "?";
        }
        catch (IOException)
        {
            return "?";
        }
    }
}
