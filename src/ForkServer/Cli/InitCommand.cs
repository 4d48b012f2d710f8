using System.CommandLine;
using ForkServer.Init;
using ForkServer.Interop;
using ForkServer.Logging;

namespace ForkServer.Cli;

/// <summary><c>forkserver init [options] -- COMMAND [ARGS...]</c>: an init for containers, with tini's options.</summary>
public static class InitCommand
{
    /// <summary>The most --grace may be: a day.</summary>
    private const double Day = 24 * 3600;

    public static Command Create()
    {
        var command = new Argument<string[]>("COMMAND") { Description = "The program to run and its arguments, after --", Arity = ArgumentArity.OneOrMore };
        var subreaper = new Option<bool>("--subreaper", "-s") { Description = "Become a subreaper (prctl PR_SET_CHILD_SUBREAPER) so that orphans come to init when it is not PID 1 (tini -s)" };
        var group = new Option<bool>("--process-group", "-g") { Description = "Send signals to COMMAND's whole process group, not only to COMMAND (tini -g)" };
        var remap = OptionRules.ParsedList("--remap-exit", "Report this exit status of COMMAND as 0; may be given again (tini -e)",
            ParseStatus, "an exit status from 0 to 255", "-e");
        var parentDeath = OptionRules.Parsed("--parent-death-signal", "The signal init gets when its parent dies, e.g. SIGTERM (tini -p)",
            Signals.Parse, "a signal name or number", "-p");
        var warn = new Option<bool>("--warn-on-reap", "-w") { Description = "Warn for each orphan reaped (a process that is not COMMAND) (tini -w)" };
        var verbose = new Option<bool>("--verbose", "-v") { Description = "Log every event: start, signals forwarded, reaping, exit (tini -v)" };
        var waitAll = new Option<bool>("--wait-all") { Description = "Once COMMAND has exited, wait up to --grace for the processes left under init, then SIGTERM them, wait --grace again, SIGKILL, and reap them all" };
        var grace = OptionRules.Seconds("--grace", "Seconds --wait-all waits before SIGTERM, and again before SIGKILL", 10, 0, Day);
        var delay = OptionRules.ParsedList("--delay-signal", "Forward SIGNAL that many seconds late (time for a load balancer to let go); may be given again",
            text => OperatingSystem.IsLinux() ? SignalDelay.Parse(text) : null, "SIGNAL:SECONDS, a signal init forwards and 0 to 86400 seconds");
        var rewrite = OptionRules.ParsedList("--rewrite", "Forward signal FROM as TO, or not at all with TO 0 (dumb-init -r); may be given again",
            text => OperatingSystem.IsLinux() ? SignalRewrite.Parse(text) : null, "FROM:TO, a signal init forwards and a signal or 0");
        var logFormat = OptionRules.Choice("--log", "Event log format: text lines for people, JSON lines for scripts", LogFormat.Text);
        (remap.HelpName, parentDeath.HelpName, grace.HelpName, delay.HelpName, rewrite.HelpName) = ("CODE", "SIGNAL", "SECONDS", "SIGNAL:SECONDS", "FROM:TO");
        var init = new Command("init", "Run COMMAND as an init does in a container (like tini): forward signals to it, reap every zombie, exit with its status")
        {
            subreaper, group, remap, parentDeath, warn, verbose, waitAll, grace, delay, rewrite, logFormat, command,
        };
        init.SetAction(parsed => OperatingSystem.IsLinux()
            ? InitProcess.Run(new InitOptions
            {
                Command = parsed.GetValue(command)!,
                Subreaper = parsed.GetValue(subreaper),
                ProcessGroup = parsed.GetValue(group),
                RemapToZero = parsed.GetValue(remap)!,
                ParentDeathSignal = parsed.GetValue(parentDeath) ?? 0,
                WarnOnReap = parsed.GetValue(warn),
                Verbose = parsed.GetValue(verbose),
                WaitAll = parsed.GetValue(waitAll),
                Grace = TimeSpan.FromSeconds(parsed.GetValue(grace)),
                Delays = parsed.GetValue(delay)!,
                Rewrites = parsed.GetValue(rewrite)!,
                LogFormat = Names.Parse<LogFormat>(parsed.GetValue(logFormat)!),
            })
            : NeedsLinux());
        return init;
    }

    private static int? ParseStatus(string text) => int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int status) && status <= 255 ? status : null;

    private static int NeedsLinux()
    {
        Console.Error.WriteLine("forkserver init: needs Linux (fork, signals, prctl)");
        return ExitCodes.CannotStart;
    }
}
