using System.CommandLine;
using System.Diagnostics;
using ForkServer.Logging;
using ForkServer.Protocols;
using ForkServer.Server;

namespace ForkServer.Cli;

/// <summary>
/// <c>forkserver spawned-child</c>, hidden from the help: the role a spawn-model server starts itself in, once per
/// client. Both sides of that command line are here: what the parent passes and what the child reads.
/// </summary>
public static class SpawnedChildCommand
{
    private const string Name = "spawned-child";

    public static Command Create()
    {
        var fd = new Option<int?>("--fd") { Description = "The inherited descriptor of the client's socket (Unix; Windows reads the socket from standard input)" };
        var peer = new Option<string>("--peer") { Description = "The client's address, for the log", Required = true };
        var protocol = new Option<string>("--protocol") { Required = true };
        var prefix = new Option<string>("--prefix") { Required = true };
        var maxMessage = new Option<int>("--max-message") { Required = true };
        var idleTimeout = new Option<double>("--idle-timeout") { Required = true };
        var logFormat = new Option<string>("--log") { Required = true };
        var quiet = new Option<bool>("--quiet");
        var command = new Command(Name, "Serve one client handed over by a spawn-model server") { Hidden = true };
        foreach (var option in new Option[] { fd, peer, protocol, prefix, maxMessage, idleTimeout, logFormat, quiet })
        {
            command.Options.Add(option);
        }
        command.SetAction(parsed =>
        {
            var log = new EventLog(Names.Parse<LogFormat>(parsed.GetValue(logFormat)!), parsed.GetValue(quiet));
            var sessions = new SessionFactory(Names.Parse<ProtocolKind>(parsed.GetValue(protocol)!), parsed.GetValue(prefix)!,
                parsed.GetValue(maxMessage), TimeSpan.FromSeconds(parsed.GetValue(idleTimeout)));
            try
            {
                return SpawnedChild.Run(parsed.GetValue(fd), parsed.GetValue(peer)!, sessions, log);
            }
            catch (Exception e)
            {
                log.Error("child-failed", $"spawned child ({parsed.GetValue(peer)}) failed: {e.Message}",
                    new LogField("peer", parsed.GetValue(peer)), new LogField("error", e.Message));
                return ExitCodes.Failure;
            }
        });
        return command;
    }

    /// <summary>How a spawn-model server starts this executable again to serve <paramref name="peer"/>.</summary>
    public static ProcessStartInfo StartInfo(ServeOptions options, string peer, int? fd)
    {
        var start = new ProcessStartInfo(Environment.ProcessPath!)
        {
            UseShellExecute = false,
            // Windows: the parent writes the duplicated socket here. Unix: the child inherits its descriptor.
            RedirectStandardInput = fd is null,
        };
        if (Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet")
        {
            // Started as `dotnet forkserver.dll`: the host needs the assembly again.
            start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "forkserver.dll"));
        }
        var invariant = System.Globalization.CultureInfo.InvariantCulture;
        string[] args = [Name, "--peer", peer, "--protocol", Names.Of(options.Protocol), "--prefix", options.Prefix,
            "--max-message", options.MaxMessage.ToString(invariant), "--idle-timeout", options.IdleTimeout.TotalSeconds.ToString(invariant),
            "--log", Names.Of(options.LogFormat)];
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        if (fd is not null)
        {
            start.ArgumentList.Add("--fd");
            start.ArgumentList.Add(fd.Value.ToString(invariant));
        }
        if (options.Quiet)
        {
            start.ArgumentList.Add("--quiet");
        }
        // The server turns tiered compilation off only so that fork(2) is safe; a spawned child never forks, and
        // starts faster with it on.
        start.Environment["DOTNET_TieredCompilation"] = "1";
        return start;
    }
}
