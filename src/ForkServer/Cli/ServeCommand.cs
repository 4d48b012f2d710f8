using System.CommandLine;
using ForkServer.Logging;
using ForkServer.Models;
using ForkServer.Networking;
using ForkServer.Protocols;
using ForkServer.Supervision;

namespace ForkServer.Cli;

/// <summary><c>forkserver serve</c>: the options, and the step from parsed words to a running server.</summary>
public static class ServeCommand
{
    /// <summary>The most a limit of seconds may be: a year.</summary>
    private const double Year = 365 * 24 * 3600;

    /// <summary>
    /// Adds serve's options and action to <paramref name="command"/>: the root command serves too. <paramref name="more"/>
    /// adds what a command that serves differently (exec) reads from its own options and arguments.
    /// </summary>
    public static T Configure<T>(T command, Func<ParseResult, ServeOptions, ServeOptions>? more = null) where T : Command
    {
        var defaults = new ServeOptions();
        var model = OptionRules.Choice("--model", "How clients are served: fork (a child process each), prefork (N workers forked at start), iterative (one at a time), thread (a thread each), select (one thread polls them all), spawn (a new process started each: the fallback where fork(2) does not exist)", defaults.Model);
        var protocol = OptionRules.Choice("--protocol", "What the server says: echo replies with prefix + data; greet sends a greeting and closes", defaults.Protocol);
        var reap = OptionRules.Choice("--reap", "When finished children are reaped: on SIGCHLD (signal), before each fork (accept), never (none), or by the kernel (ignore)", defaults.Reap);
        var host = new Option<string>("--host") { Description = "Address to listen on (loopback by default; 0.0.0.0 or :: for every interface)", DefaultValueFactory = _ => defaults.Host };
        var port = OptionRules.WholeNumber("--port", "TCP port to listen on; 0 lets the kernel choose", defaults.Port, 0, 65535, "-p");
        var prefix = new Option<string>("--prefix") { Description = "What the echo protocol puts before each reply", DefaultValueFactory = _ => defaults.Prefix };
        var quit = OptionRules.Choice("--quit", "What ends an echo session: q (q or Q alone, or before a line ending), or none (the tutorial's select server echoes q too)", "q", ["q", "none"]);
        var grace = OptionRules.Seconds("--grace", "Seconds the stop waits for children after SIGTERM before SIGKILL", defaults.Grace.TotalSeconds, 0, Year);
        var logFormat = OptionRules.Choice("--log", "Event log format: text lines for people, JSON lines for scripts", defaults.LogFormat);
        var maxChildren = OptionRules.WholeNumber("--max-children", "Children (or sessions) at once, at most; further clients wait in the backlog", defaults.MaxChildren, 1, 65536);
        var idleTimeout = OptionRules.Seconds("--idle-timeout", "Seconds a client may send nothing, or leave a reply unread, before it is disconnected", defaults.IdleTimeout.TotalSeconds, 0.001, Year);
        var sessionTimeout = OptionRules.Seconds("--session-timeout", "Seconds a whole session may last; 0 for no limit", defaults.SessionTimeout.TotalSeconds, 0, Year);
        var maxMessage = OptionRules.WholeNumber("--max-message", "Bytes one read takes at most; larger input is served in pieces", defaults.MaxMessage, 1, 16 * 1024 * 1024);
        var user = UserOptions.User();
        var allowRoot = UserOptions.AllowRoot();
        var workers = OptionRules.WholeNumber("--workers", "Worker processes the prefork model keeps running; with --model spawn, children started ahead and waiting for clients (none unless given)", defaults.Workers, 1, 1024);
        var clientsPerChild = OptionRules.OptionalWholeNumber("--clients-per-child", "With --model spawn --workers N: clients a child of the pool serves one after another before it exits (Apache's MaxConnectionsPerChild); 1 by default, a fresh program for every client", 1, 1_000_000);
        var quiet = new Option<bool>("--quiet", "-q") { Description = "Print only errors and the line that says where the server listens" };
        var subreaper = new Option<bool>("--subreaper") { Description = "Become a subreaper (prctl PR_SET_CHILD_SUBREAPER): orphans below the server are re-parented to it and reaped, as under PID 1" };
        var leaveOrphan = OptionRules.OptionalSeconds("--leave-orphan", "Teaching aid (fork model): after each session the child forks a grandchild that outlives it by SECONDS, an orphan for PID 1 or a subreaper to reap", 0, 24 * 3600);
        var timeline = new Option<string?>("--timeline") { Description = "When the server stops, draw each child's life into this SVG file (see forkserver timeline); not with --quiet, which logs too little", HelpName = "FILE" };

        var maxPerIp = OptionRules.OptionalWholeNumber("--max-per-ip", "Clients served at once from one address (an IPv6 /64), at most; the next is told so and closed", 1, 65536);
        var rate = OptionRules.PerInterval("--rate", "New clients accepted within any SECONDS, at most; above it the server stops accepting for the rest of the interval and clients wait in the backlog", 1_000_000, 3600);
        var reusePort = new Option<bool>("--reuse-port") { Description = "SO_REUSEPORT: several servers started with it share the port, and the kernel spreads the clients among them" };

        foreach (var option in new Option[] { model, protocol, reap, host, port, prefix, quit, workers, clientsPerChild, grace, maxChildren, idleTimeout, sessionTimeout, maxMessage, user, allowRoot, logFormat, quiet, subreaper, leaveOrphan, maxPerIp, rate, reusePort, timeline })
        {
            command.Options.Add(option);
        }
        command.SetAction(parsed => ServerStart.Run((more ?? ((_, options) => options))(parsed, new ServeOptions
        {
            Model = Names.Parse<ConcurrencyModel>(parsed.GetValue(model)!),
            Protocol = Names.Parse<ProtocolKind>(parsed.GetValue(protocol)!),
            Reap = Names.Parse<ReapPolicy>(parsed.GetValue(reap)!),
            Host = parsed.GetValue(host)!,
            Port = parsed.GetValue(port),
            Prefix = parsed.GetValue(prefix)!,
            QuitWord = parsed.GetValue(quit) == "q",
            Workers = parsed.GetValue(workers),
            WorkersGiven = parsed.GetResult(workers) is { Implicit: false },
            ClientsPerChild = parsed.GetValue(clientsPerChild),
            Grace = TimeSpan.FromSeconds(parsed.GetValue(grace)),
            MaxChildren = parsed.GetValue(maxChildren),
            IdleTimeout = TimeSpan.FromSeconds(parsed.GetValue(idleTimeout)),
            SessionTimeout = TimeSpan.FromSeconds(parsed.GetValue(sessionTimeout)),
            MaxMessage = parsed.GetValue(maxMessage),
            User = parsed.GetValue(user),
            AllowRoot = parsed.GetValue(allowRoot),
            LogFormat = Names.Parse<LogFormat>(parsed.GetValue(logFormat)!),
            Quiet = parsed.GetValue(quiet),
            Subreaper = parsed.GetValue(subreaper),
            LeaveOrphan = parsed.GetValue(leaveOrphan) is { } seconds ? TimeSpan.FromSeconds(seconds) : null,
            MaxPerIp = parsed.GetValue(maxPerIp),
            Rate = parsed.GetValue(rate) is { } perInterval ? new(perInterval.Count, TimeSpan.FromSeconds(perInterval.Seconds)) : null,
            ReusePort = parsed.GetValue(reusePort),
            Timeline = parsed.GetValue(timeline),
        })));
        return command;
    }
}
