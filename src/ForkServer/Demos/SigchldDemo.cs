using System.CommandLine;
using System.Diagnostics;
using System.Runtime.Versioning;
using ForkServer.Cli;
using ForkServer.Interop;
using ForkServer.Logging;
using ForkServer.Processes;
using ForkServer.Supervision;

namespace ForkServer.Demos;

/// <summary>
/// <c>forkserver demo sigchld [--children N]</c>: N children exit at the same moment, twice. The first time the
/// parent calls wait() once per SIGCHLD, as a naive handler does, and zombies stay behind: signals of one kind do not
/// queue (Stevens, UNP §5.10), so several exits arrive as one SIGCHLD. The second time it reaps with
/// waitpid(-1, WNOHANG) until none is left (the server's <see cref="Reaper"/>), and none stays.
/// <para>No handler runs here: the demo reads SIGCHLD from the server's signalfd (<see cref="SignalFunnel"/>). A
/// read that returns SIGCHLD is one delivery, exactly what one call of a handler would be; the kernel merges the
/// SIGCHLDs that arrive while one is pending in both cases.</para>
/// </summary>
public static class SigchldDemo
{
    private const string ChildName = "fs-demo-sigchld";

    private static readonly SignalSet s_funneled = SignalSet.Of(Signals.SIGCHLD);

    public static Command Command()
    {
        var children = OptionRules.WholeNumber("--children", "How many children exit at the same moment", 10, 2, 500, "-n");
        var hold = Hold.Option("the zombies the first way leaves");
        var command = new Command("sigchld", "N children exit at once: wait() once per SIGCHLD leaves zombies (signals do not queue); the waitpid(-1, WNOHANG) loop leaves none") { children, hold };
        command.SetAction(parsed => OperatingSystem.IsLinux()
            ? Run(parsed.GetValue(children), TimeSpan.FromSeconds(parsed.GetValue(hold)))
            : DemoCommand.NeedsLinux());
        return command;
    }

    [SupportedOSPlatform("linux")]
    private static int Run(int count, TimeSpan hold)
    {
        // First: SIGCHLD must be blocked in every thread for the signalfd to see it (this may exec the demo again).
        // Only SIGCHLD: SIGINT and SIGTERM keep their default action, so Ctrl-C ends it, hold or not, as the other demos.
        SignalFunnel.BlockFromStart(s_funneled);
        var log = new EventLog(LogFormat.Text, quiet: false);
        var funnel = SignalFunnel.Open(s_funneled);
        var table = new ChildTable();
        var reaper = new Reaper(table, new EventLog(LogFormat.Text, quiet: true), (_, _) => null);
        int self = Posix.GetPid();
        log.Info("demo", $"demo sigchld: process {self} forks {count} children that all exit at the same moment, twice; it learns of exits from SIGCHLD, read from a signalfd: one read that returns SIGCHLD is one delivery, as one call of a signal handler would be");

        var first = Round(count, funnel, table, reaper, oneWaitPerSignal: true, log);
        if (first is null)
        {
            return ExitCodes.Failure;
        }
        var (signals, reaped, zombies) = first.Value;
        log.Info("one-wait",
            $"way 1, wait() once per SIGCHLD: {count} children exited; SIGCHLD came {Times(signals)}; {reaped} reaped; /proc shows {zombies.Count} zombies: {string.Join(' ', zombies)}",
            new LogField("children", count), new LogField("signals", signals), new LogField("reaped", reaped), new LogField("zombies", zombies.Count));
        log.Info("why", signals < count
            ? $"the kernel keeps one pending SIGCHLD, not a count: {count} exits delivered SIGCHLD only {Times(signals)}, so {count - reaped} children stay zombies nobody will wait for"
            : $"this time every exit came as a signal of its own (the parent was quick enough): run it again, or with more --children, to see them merge");
        log.Info("look", $"see the zombies in another terminal within {hold.TotalSeconds:0.#} s: ps -o pid,ppid,stat,comm --ppid {self}");
        Thread.Sleep(hold);
        reaper.ReapFinished();

        var second = Round(count, funnel, table, reaper, oneWaitPerSignal: false, log);
        if (second is null)
        {
            return ExitCodes.Failure;
        }
        (signals, reaped, zombies) = second.Value;
        log.Info("loop",
            $"way 2, waitpid(-1, WNOHANG) until it finds none, on each SIGCHLD: {count} children exited; SIGCHLD came {Times(signals)}; {reaped} reaped; /proc shows {zombies.Count} zombies{(zombies.Count > 0 ? ": " + string.Join(' ', zombies) : "")}",
            new LogField("children", count), new LogField("signals", signals), new LogField("reaped", reaped), new LogField("zombies", zombies.Count));
        log.Info("lesson", "one SIGCHLD means at least one child has exited: reap in a loop until waitpid says none is ready (tini, the server's --reap signal)");
        return zombies.Count == 0 ? ExitCodes.Ok : ExitCodes.Failure;
    }

    /// <summary>
    /// Forks <paramref name="count"/> children that sleep on one pipe, closes its last writer so they all wake and
    /// exit together, and reaps as one way says until every child has exited and no SIGCHLD is left to read.
    /// Returns how many SIGCHLDs came, how many were reaped, and the zombies /proc shows then.
    /// </summary>
    [SupportedOSPlatform("linux")]
    private static (int Signals, int Reaped, List<int> Zombies)? Round(int count, SignalFunnel funnel, ChildTable table, Reaper reaper, bool oneWaitPerSignal, EventLog log)
    {
        var pipe = new WakePipe();
        var attributes = ChildStart.Managed(ChildName);
        ChildStart.Rehearse(attributes, pipe.Sleep);

        for (int i = 0; i < count; i++)
        {
            int pid = ChildStart.Fork(attributes, pipe.Sleep, log);
            if (pid < 0)
            {
                log.Error("demo-failed", PosixException.Describe("fork", -pid));
                return null;
            }
            table.Add(pid, ChildLabel.Worker);
        }
        // Every child asleep in poll(2) first, so that they leave together when the pipe closes.
        Poll.Until(() => table.Pids.All(pid => ProcStat.Read(pid)?.State == 'S'), Poll.Briefly);
        pipe.WakeAll();

        int signals = 0, reaped = 0;
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(20))
        {
            if (!Posix.WaitReadable(funnel.Fd, 200))
            {
                if (table.Pids.All(pid => ProcStat.Read(pid)?.IsZombie != false))
                {
                    break;
                }
                continue;
            }
            if (!funnel.Take().Contains(Signals.SIGCHLD))
            {
                continue;
            }
            signals++;
            if (oneWaitPerSignal)
            {
                int pid = Posix.WaitPid(-1, noHang: true, out _);
                if (pid > 0 && table.Remove(pid) is not null)
                {
                    reaped++;
                }
            }
            else
            {
                reaped += reaper.ReapFinished();
            }
        }
        var zombies = ProcStat.ChildrenOf(Posix.GetPid()).Where(c => c.IsZombie).Select(c => c.Pid).Order().ToList();
        return (signals, reaped, zombies);
    }

    private static string Times(int n) => n == 1 ? "1 time" : $"{n} times";
}
