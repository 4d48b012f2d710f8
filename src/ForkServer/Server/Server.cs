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
            InitDuty.Take(options, log);
            if (options.Model == ConcurrencyModel.Fork && !(OperatingSystem.IsLinux() || OperatingSystem.IsMacOS() || OperatingSystem.IsFreeBSD()))
            {
                throw new StartupException("--model fork needs fork(2), which this operating system does not have; run it on Linux");
            }
            using var listener = Listener.Open(options.Host, options.Port);
            var sessions = new SessionFactory(options.Protocol, options.Prefix, options.MaxMessage);
            return new ForkModel(options, listener, sessions, log).Run();
        }
        catch (StartupException e)
        {
            log.Error("cannot-start", $"forkserver: {e.Message}", new LogField("error", e.Message));
            return ExitCodes.CannotStart;
        }
    }
}
