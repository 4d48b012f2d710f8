using ForkServer.Interop;
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
            if (options.Model is ConcurrencyModel.Fork or ConcurrencyModel.Prefork && !(OperatingSystem.IsLinux() || OperatingSystem.IsMacOS() || OperatingSystem.IsFreeBSD()))
            {
                if (options.Model == ConcurrencyModel.Prefork)
                {
                    throw new StartupException("--model prefork needs fork(2), which this operating system does not have; use --model spawn or thread");
                }
                log.Always("fork-unavailable", "this system has no fork(2): serving each client in a spawned process instead (--model spawn)");
                options = options with { Model = ConcurrencyModel.Spawn };
            }
            var address = Listener.Resolve(options.Host);
            Privileges.RefuseRootOnPublicAddress(address, options.User, options.AllowRoot);
            using var listener = Listener.Open(address, options.Port);
            Privileges.DropAfterBind(options.User);
            var sessions = new SessionFactory(options.Protocol, options.Prefix, options.MaxMessage, options.IdleTimeout);
            return options.Model switch
            {
                ConcurrencyModel.Prefork => new PreforkModel(options, listener, sessions, log).Run(),
                ConcurrencyModel.Iterative => new IterativeModel(listener, sessions, log).Run(),
                ConcurrencyModel.Thread => new ThreadModel(options, listener, sessions, log).Run(),
                ConcurrencyModel.Select => new SelectModel(listener, sessions, log).Run(),
                ConcurrencyModel.Spawn => new SpawnModel(options, listener, log).Run(),
                _ => new ForkModel(options, listener, sessions, log).Run(),
            };
        }
        catch (StartupException e)
        {
            log.Error("cannot-start", $"forkserver: {e.Message}", new LogField("error", e.Message));
            return ExitCodes.CannotStart;
        }
        catch (PosixException e)
        {
            // A system call the server cannot do without failed (poll, pipe2, sigaction...): say which, and stop.
            log.Error("failed", $"forkserver: {e.Message}", new LogField("error", e.Message));
            return ExitCodes.Failure;
        }
    }
}
