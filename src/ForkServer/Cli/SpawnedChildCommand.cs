using System.CommandLine;
using ForkServer.Logging;
using ForkServer.Models.Spawn;

namespace ForkServer.Cli;

/// <summary>
/// <c>forkserver spawned-child</c>, hidden from the help: the role a spawn-model server starts itself in, once per
/// client. Its command line holds only what the server made (the client's address, for <c>ps</c>, and the descriptor
/// its socket is on); how to serve comes in the environment (<see cref="SpawnSettings"/>), where no value can pass for
/// an option.
/// </summary>
public static class SpawnedChildCommand
{
    public static Command Create()
    {
        var fd = OptionRules.OptionalWholeNumber("--fd", "The inherited descriptor of the client's socket (Linux; Windows reads the socket from standard input)", 0, int.MaxValue);
        var handover = OptionRules.OptionalWholeNumber("--handover", "The descriptor of the channel a client comes on (Linux: a spawn-model server's pool)", 0, int.MaxValue);
        var clients = OptionRules.WholeNumber("--clients", "Clients to serve one after another before exiting (Linux: from the channel; Windows: from standard input, saying 'ready' on standard output between them)", 1, 1, int.MaxValue);
        var ready = OptionRules.OptionalWholeNumber("--ready", "The descriptor to write this process's pid to when it waits for its next client (Linux, with --clients)", 0, int.MaxValue);
        var peer = new Option<string>("--peer") { Description = "The client's address, for ps and the log", DefaultValueFactory = _ => "a handed-over client" };
        var command = new Command(SelfCommand.SpawnedChild, "Serve the clients a spawn-model server hands over") { Hidden = true };
        command.Options.Add(fd);
        command.Options.Add(handover);
        command.Options.Add(clients);
        command.Options.Add(ready);
        command.Options.Add(peer);
        command.SetAction(parsed =>
        {
            var log = EventLog.Default;
            try
            {
                var (sessions, _, _) = SpawnSettings.Decode(Environment.GetEnvironmentVariable(SpawnSettings.Variable));
                return SpawnedChild.Run(parsed.GetValue(fd), parsed.GetValue(handover), parsed.GetValue(clients), parsed.GetValue(ready), sessions);
            }
            catch (StartupException e)
            {
                log.Error("cannot-start", $"forkserver: {e.Message}", new LogField("error", e.Message));
                return ExitCodes.CannotStart;
            }
            catch (Exception e) when (e is IOException or FormatException or InvalidDataException)
            {
                log.Error("child-failed", $"spawned child ({parsed.GetValue(peer)}) failed: {e.Message}",
                    new LogField("peer", parsed.GetValue(peer)), new LogField("error", e.Message));
                return ExitCodes.Failure;
            }
        });
        return command;
    }
}
