using System.CommandLine;
using ForkServer.Logging;
using ForkServer.Protocols;
using ForkServer.Server;

namespace ForkServer.Cli;

/// <summary><c>forkserver serve</c>: the options, and the step from parsed words to a running server.</summary>
public static class ServeCommand
{
    /// <summary>Adds serve's options and action to <paramref name="command"/>: the root command serves too.</summary>
    public static Command Configure(Command command)
    {
        var defaults = new ServeOptions();
        var model = Choice("--model", "How clients are served: fork (a child process each), prefork (N workers forked at start), iterative (one at a time), thread (a thread each), select (one thread polls them all), spawn (a new process started each: the fallback where fork(2) does not exist)", defaults.Model);
        var protocol = Choice("--protocol", "What the server says: echo replies with prefix + data; greet sends a greeting and closes", defaults.Protocol);
        var reap = Choice("--reap", "When finished children are reaped: on SIGCHLD (signal), before each fork (accept), never (none), or by the kernel (ignore)", defaults.Reap);
        var host = new Option<string>("--host") { Description = "Address to listen on (loopback by default; 0.0.0.0 or :: for every interface)", DefaultValueFactory = _ => defaults.Host };
        var port = new Option<int>("--port", "-p") { Description = "TCP port to listen on (0: any free port)", DefaultValueFactory = _ => defaults.Port };
        var prefix = new Option<string>("--prefix") { Description = "What the echo protocol puts before each reply", DefaultValueFactory = _ => defaults.Prefix };
        var grace = new Option<double>("--grace") { Description = "Seconds shutdown waits for children after SIGTERM before SIGKILL", DefaultValueFactory = _ => defaults.Grace.TotalSeconds };
        var logFormat = Choice("--log", "Event log format: text lines for people, JSON lines for scripts", defaults.LogFormat);
        var maxChildren = new Option<int>("--max-children") { Description = "Children alive at once, at most; further clients wait in the backlog", DefaultValueFactory = _ => defaults.MaxChildren };
        var idleTimeout = new Option<double>("--idle-timeout") { Description = "Seconds a client may stay silent before it is told so and disconnected", DefaultValueFactory = _ => defaults.IdleTimeout.TotalSeconds };
        var maxMessage = new Option<int>("--max-message") { Description = "Bytes one read takes at most; larger input is served in pieces", DefaultValueFactory = _ => defaults.MaxMessage };
        var user = new Option<string?>("--user") { Description = "Started as root: become this user (and its groups) after binding, before serving" };
        var allowRoot = new Option<bool>("--allow-root") { Description = "Serve a non-loopback address as root without --user" };
        var workers = new Option<int>("--workers") { Description = "Worker processes the prefork model keeps running", DefaultValueFactory = _ => defaults.Workers };
        var quiet = new Option<bool>("--quiet", "-q") { Description = "Print only errors and the line that says where the server listens" };

        port.Validators.Add(result =>
        {
            if (result.GetValue(port) is < 0 or > 65535)
            {
                result.AddError("--port must be between 0 and 65535");
            }
        });
        Positive(grace, "--grace", allowZero: true);
        Positive(idleTimeout, "--idle-timeout", allowZero: false);
        Positive(maxChildren, "--max-children", allowZero: false);
        Positive(maxMessage, "--max-message", allowZero: false);
        Positive(workers, "--workers", allowZero: false);

        foreach (var option in new Option[] { model, protocol, reap, host, port, prefix, workers, grace, maxChildren, idleTimeout, maxMessage, user, allowRoot, logFormat, quiet })
        {
            command.Options.Add(option);
        }
        var (subreaper, leaveOrphan) = OrphanOptions.AddTo(command);
        command.SetAction(parsed => Server.Server.Run(new ServeOptions
        {
            Model = Names.Parse<ConcurrencyModel>(parsed.GetValue(model)!),
            Protocol = Names.Parse<ProtocolKind>(parsed.GetValue(protocol)!),
            Reap = Names.Parse<ReapPolicy>(parsed.GetValue(reap)!),
            Host = parsed.GetValue(host)!,
            Port = parsed.GetValue(port),
            Prefix = parsed.GetValue(prefix)!,
            Workers = parsed.GetValue(workers),
            Grace = TimeSpan.FromSeconds(parsed.GetValue(grace)),
            MaxChildren = parsed.GetValue(maxChildren),
            IdleTimeout = TimeSpan.FromSeconds(parsed.GetValue(idleTimeout)),
            MaxMessage = parsed.GetValue(maxMessage),
            User = parsed.GetValue(user),
            AllowRoot = parsed.GetValue(allowRoot),
            LogFormat = Names.Parse<LogFormat>(parsed.GetValue(logFormat)!),
            Quiet = parsed.GetValue(quiet),
            Subreaper = parsed.GetValue(subreaper),
            LeaveOrphan = parsed.GetValue(leaveOrphan) is { } seconds ? TimeSpan.FromSeconds(seconds) : null,
        }));
        return command;
    }

    private static void Positive<T>(Option<T> option, string name, bool allowZero) where T : struct, System.Numerics.INumber<T> =>
        option.Validators.Add(result =>
        {
            T value = result.GetValue(option);
            if (T.IsNegative(value) || (!allowZero && T.IsZero(value)))
            {
                result.AddError($"{name} must be {(allowZero ? "zero or more" : "more than zero")}");
            }
        });

    /// <summary>An option whose value is one of an enum's names, in lower case, listed in the help.</summary>
    private static Option<string> Choice<T>(string name, string description, T defaultValue) where T : struct, Enum
    {
        var option = new Option<string>(name) { Description = description, DefaultValueFactory = _ => Names.Of(defaultValue) };
        option.AcceptOnlyFromAmong([.. Enum.GetValues<T>().Select(Names.Of)]);
        return option;
    }
}
