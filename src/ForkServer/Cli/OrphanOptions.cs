using System.CommandLine;

namespace ForkServer.Cli;

/// <summary>serve's options about orphans: become their subreaper, and (to watch it) leave one after each session.</summary>
public static class OrphanOptions
{
    public static (Option<bool> Subreaper, Option<double?> LeaveOrphan) AddTo(Command command)
    {
        var subreaper = new Option<bool>("--subreaper") { Description = "Become a subreaper (prctl PR_SET_CHILD_SUBREAPER): orphans below the server are re-parented to it and reaped, as under PID 1" };
        var leaveOrphan = new Option<double?>("--leave-orphan") { Description = "Teaching aid (fork model): after each session the child forks a grandchild that outlives it by SECONDS, an orphan for PID 1 or a subreaper to reap" };
        leaveOrphan.Validators.Add(result =>
        {
            if (result.GetValue(leaveOrphan) < 0)
            {
                result.AddError("--leave-orphan cannot be negative");
            }
        });
        command.Options.Add(subreaper);
        command.Options.Add(leaveOrphan);
        return (subreaper, leaveOrphan);
    }
}
