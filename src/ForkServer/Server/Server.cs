using ForkServer.Logging;
using ForkServer.Protocols;

namespace ForkServer.Server;

/// <summary>Starts a server as <see cref="ServeOptions"/> say: bind, then hand the socket to the chosen model.</summary>
public static class Server
{
    public static int Run(ServeOptions options)
    {
        var log = new EventLog(options.LogFormat, options.Quiet);
        try
        {
            if (options.Model == ConcurrencyModel.Fork && !(OperatingSystem.IsLinux() || OperatingSystem.IsMacOS() || OperatingSystem.IsFreeBSD()))
            {
                log.Always("fork-unavailable", "this system has no fork(2): serving each client in a spawned process instead (--model spawn)");
                options = options with { Model = ConcurrencyModel.Spawn };
            }
            using var listener = Listener.Open(options.Host, options.Port);
            var sessions = new SessionFactory(options.Protocol, options.Prefix, options.MaxMessage);
            return options.Model switch
            {
                ConcurrencyModel.Spawn => new SpawnModel(options, listener, log).Run(),
                _ => new ForkModel(options, listener, sessions, log).Run(),
            };
        }
        catch (StartupException e)
        {
            log.Error("cannot-start", $"forkserver: {e.Message}", new LogField("error", e.Message));
            return ExitCodes.CannotStart;
        }
    }
}
