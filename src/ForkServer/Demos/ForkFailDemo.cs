using System.CommandLine;
using System.Runtime.Versioning;
using ForkServer.Cli;
using ForkServer.Interop;
using ForkServer.Logging;
using ForkServer.Networking;
using ForkServer.Processes;
using ForkServer.Supervision;

namespace ForkServer.Demos;

/// <summary>
/// <c>forkserver demo fork-fail [--extra N] [--user NAME]</c>: lowers RLIMIT_NPROC to what the user runs now plus
/// N, forks until fork(2) fails with EAGAIN, and shows what a server does then: not exit, not retry at once, refuse
/// the client, reap, and fork again once a slot is free. Root is exempt from the limit, so a demo started as root
/// first becomes another user (nobody unless <c>--user</c> says).
/// </summary>
public static class ForkFailDemo
{
    public static Command Command()
    {
        var extra = OptionRules.WholeNumber("--extra", "How many more processes the limit allows than the user runs now", 3, 1, 100);
        var user = new Option<string?>("--user") { Description = "Started as root: the user to become first, since root is exempt from RLIMIT_NPROC (nobody if not given)" };
        var hold = Hold.Option("the children at the limit");
        var command = new Command("fork-fail", "Fork until the limit on processes (RLIMIT_NPROC) makes fork fail with EAGAIN, and what a server must do then") { extra, user, hold };
        command.SetAction(parsed => OperatingSystem.IsLinux()
            ? Run(parsed.GetValue(extra), parsed.GetValue(user), TimeSpan.FromSeconds(parsed.GetValue(hold)), new EventLog(LogFormat.Text, quiet: false))
            : DemoCommand.NeedsLinux());
        return command;
    }

    [SupportedOSPlatform("linux")]
    private static int Run(int extra, string? user, TimeSpan hold, EventLog log)
    {
        int self = Posix.GetPid();
        if (Posix.GetEffectiveUid() == 0 || user is not null)
        {
            user ??= "nobody";
            try
            {
                Privileges.DropAfterBind(user);
            }
            catch (StartupException e)
            {
                log.Error("cannot-start", $"forkserver demo fork-fail: {e.Message}");
                return ExitCodes.CannotStart;
            }
            log.Info("user", $"process {self} was root, which RLIMIT_NPROC does not limit: it became {user} (uid {Posix.GetEffectiveUid()}) first");
        }
        var pipe = new WakePipe();
        var attributes = ChildStart.Managed("fs-demo-nproc");
        ChildStart.Rehearse(attributes, pipe.Sleep);

        uint uid = Posix.GetEffectiveUid();
        int tasks = UserTasks.Count(uid);
        int limit = tasks + extra;
        Posix.SetProcessLimit(limit);
        log.Info("limit", $"setrlimit(RLIMIT_NPROC, {limit}): uid {uid} runs {tasks} tasks now (threads count: this process alone has {Threads(self)}), so about {extra} more forks may succeed",
            new LogField("limit", limit), new LogField("tasks", tasks));

        var children = new List<int>();
        int failure = 0;
        while (children.Count < extra + 50)
        {
            int pid = ChildStart.Fork(attributes, pipe.Sleep, log);
            if (pid < 0)
            {
                failure = -pid;
                break;
            }
            children.Add(pid);
        }
        if (failure != Errno.EAGAIN)
        {
            log.Error("demo-failed", failure == 0 ? $"{children.Count} forks and none failed: the limit did not hold" : PosixException.Describe("fork", failure));
            Finish(pipe, children);
            return ExitCodes.Failure;
        }
        log.Info("fork-failed",
            $"forked {children.Count} children ({string.Join(' ', children)}); then {PosixException.Describe("fork", failure)}: uid {uid} is at its limit of {limit} tasks",
            new LogField("forked", children.Count), new LogField("error", "EAGAIN"), new LogField("limit", limit));
        log.Info("look", $"see them in another terminal within {hold.TotalSeconds:0.#} s: ps -o pid,ppid,user,stat,comm --ppid {self}; grep processes /proc/{self}/limits");
        Thread.Sleep(hold);
        log.Info("duty",
            "what a server must do now: not exit and not fork again at once in a loop; refuse this client (forkserver writes 'server busy, try again later' and closes it), say so in the log, reap finished children to free slots, and fork again for the next client");

        if (children.Count > 0)
        {
            int gone = children[0];
            Posix.Kill(gone, Signals.SIGTERM);
            Posix.WaitPid(gone, noHang: false, out var status);
            children.RemoveAt(0);
            int again = ChildStart.Fork(attributes, pipe.Sleep, log);
            log.Info("again", again > 0
                ? $"child {gone} ended ({status}) and was reaped: its slot is free, and the next fork works: child {again}"
                : $"child {gone} was reaped, yet fork failed again: {PosixException.Describe("fork", -again)} (another process of uid {uid} took the slot)",
                new LogField("reaped", gone), new LogField("forked", again));
            if (again > 0)
            {
                children.Add(again);
            }
        }
        Finish(pipe, children);
        return ExitCodes.Ok;
    }

    /// <summary>Wakes every child (closing the pipe they sleep on) and reaps them.</summary>
    [SupportedOSPlatform("linux")]
    private static void Finish(WakePipe pipe, List<int> children)
    {
        pipe.WakeAll();
        foreach (int pid in children)
        {
            Posix.WaitPid(pid, noHang: false, out _);
        }
    }

    private static string Threads(int pid) =>
        File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith("Threads:", StringComparison.Ordinal))?.Split(':')[1].Trim() ?? "?";
}
