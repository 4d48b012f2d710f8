using System.Runtime.Versioning;
using ForkServer.Interop;
using ForkServer.Logging;

namespace ForkServer.Supervision;

/// <summary>
/// What a server takes on when orphans can come to it: as PID 1 (a container, or <c>unshare --pid --fork</c>) the
/// kernel re-parents every orphan of the PID namespace to it, and with <c>--subreaper</c> every orphan below it.
/// The reaper's waitpid(-1) then reaps them beside the server's own children ("reaped orphan"). PID 1 also gets no
/// default signal actions: the funnel's signals still reach it, because they are blocked and read, not defaulted.
/// </summary>
[SupportedOSPlatform("linux")]
public static class InitDuty
{
    public static void Take(bool subreaper, ReapPolicy reap, EventLog log)
    {
        int self = Posix.GetPid();
        if (subreaper)
        {
            Posix.SetChildSubreaper();
            log.Info("subreaper", $"subreaper: prctl(PR_SET_CHILD_SUBREAPER) done, so orphans below process {self} are re-parented to it and reaped here",
                new LogField("subreaper", true));
        }
        if (self == 1)
        {
            log.Info("pid1", "running as PID 1: every orphan in this PID namespace is re-parented here and reaped; signals are handled here, since PID 1 gets no default signal actions",
                new LogField("pid1", true));
        }
        if ((subreaper || self == 1) && reap == ReapPolicy.None)
        {
            log.Info("no-reaping", "--reap none: adopted orphans will stay zombies (Z) too, until the server exits",
                new LogField("reap", Cli.Names.Of(reap)));
        }
    }
}
