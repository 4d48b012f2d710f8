using System.Runtime.Versioning;
using ForkServer.Cli;
using ForkServer.Interop;
using ForkServer.Logging;
using ForkServer.Models.Fork;
using ForkServer.Models.InProcess;
using ForkServer.Models.Prefork;
using ForkServer.Models.Spawn;
using ForkServer.Net;
using ForkServer.Networking;
using ForkServer.Processes;
using ForkServer.Sessions;
using ForkServer.Supervision;
using ForkServer.Timeline;

namespace ForkServer.Models;

/// <summary>Starts a server as <see cref="ServeOptions"/> say: the signal funnel, the bind, the privileges, then the chosen model.</summary>
public static class ServerStart
{
    public static int Run(ServeOptions options)
    {
        if (Conflict(options) is { } why)
        {
            return CannotStart(new EventLog(options.LogFormat, options.Quiet), why);
        }
        if (OperatingSystem.IsLinux())
        {
            // First of all: it may start the program again, which must not have printed or opened anything yet.
            SignalFunnel.BlockFromStart();
            return RunOnLinux(options);
        }
        return RunWithoutFork(options);
    }

    /// <summary>Why options given together cannot be followed; null if they can.</summary>
    private static string? Conflict(ServeOptions options)
    {
        if (options.ClientsPerChild is not null && (options.Model != ConcurrencyModel.Spawn || !options.WorkersGiven))
        {
            return "--clients-per-child needs a pool of spawned children to reuse: --model spawn --workers N";
        }
        if (options.Timeline is not null && options.Quiet)
        {
            return "--timeline: a --quiet server logs no fork or reap to draw; drop one of the two";
        }
        return null;
    }

    [SupportedOSPlatform("linux")]
    private static int RunOnLinux(ServeOptions options)
    {
        var log = new EventLog(options.LogFormat, options.Quiet);
        if (options.Timeline is not null)
        {
            log.KeepEvents();
        }
        // Set once the picture's file is made: a start that fails before that draws nothing.
        string? picture = null;
        int status = ExitCodes.Failure;
        try
        {
            status = Serve(options, log, ref picture);
        }
        finally
        {
            // A picture asked for and not drawn fails the run: a script must not take a missing file for a success.
            if (picture is not null && !StopPicture.Draw(picture, log) && status == ExitCodes.Ok)
            {
                status = ExitCodes.Failure;
            }
        }
        return status;
    }

    [SupportedOSPlatform("linux")]
    private static int Serve(ServeOptions options, EventLog log, ref string? picture)
    {
        try
        {
            // The paths that report running out of descriptors must not need one: under the JIT, the first use of an
            // assembly opens its file. This one formats every errno message.
            _ = PosixException.Describe("accept4", Errno.EMFILE);
            InitDuty.Take(options.Subreaper, options.Reap, log);
            string? program = options.Exec is { } wanted ? ProgramPath.Resolve(wanted.Program) : null;
            Readiness.TakeSocket();
            // Prefork workers wait in accept(2) itself; every other model polls the socket first.
            bool nonBlocking = options.Model != ConcurrencyModel.Prefork || options.Exec is not null;
            int listenFd = SocketActivation.Take(nonBlocking) ?? Bind(options, nonBlocking);
            Privileges.DropAfterBind(options.User);
            if (options.Timeline is { } path)
            {
                if (StopPicture.Prepare(path) is { } why)
                {
                    throw new StartupException($"--timeline {path}: cannot write it: {why}");
                }
                picture = path;
            }
            var funnel = SignalFunnel.Open();
            // Set once on the listener, the idle timeouts come with every socket accepted from it (Linux copies a
            // listener's options into each one), and no session sets them: two system calls fewer per client. Not
            // for exec: the program run there gets a plain socket.
            bool listenerTimeouts = options.Exec is null;
            if (listenerTimeouts)
            {
                Posix.SetReceiveTimeout(listenFd, options.IdleTimeout);
                Posix.SetSendTimeout(listenFd, options.IdleTimeout);
            }
            var sessions = SessionsFor(options, listenerTimeouts);
            Readiness.Ready(log);
            if (options.Exec is { } exec)
            {
                return new ExecModel(options, exec, program!, listenFd, log).Run(funnel);
            }
            return options.Model switch
            {
                ConcurrencyModel.Prefork => new PreforkModel(options, listenFd, sessions, log).Run(funnel),
                ConcurrencyModel.Iterative or ConcurrencyModel.Thread => new ThreadModel(options, listenFd, sessions, log).Run(funnel),
                ConcurrencyModel.Select => new SelectModel(options, listenFd, sessions, log).Run(funnel),
                ConcurrencyModel.Spawn => new SpawnModel(options, listenFd, sessions, log).Run(funnel),
                _ => new ForkModel(options, listenFd, sessions, log).Run(funnel),
            };
        }
        catch (StartupException e)
        {
            return CannotStart(log, e.Message);
        }
        catch (PosixException e) when (e.Errno == Errno.EMFILE)
        {
            // Out of descriptors before it could serve (a signalfd, the warm-up's accept...): the limit is too low.
            return CannotStart(log, OpenFileLimit.Describe(e.Call, e.Errno));
        }
        catch (PosixException e)
        {
            // A system call the server cannot do without failed (poll, signalfd, sigaction...): say which, and stop.
            log.Error("failed", $"forkserver: {e.Message}", new LogField("error", e.Message));
            return ExitCodes.Failure;
        }
    }

    [SupportedOSPlatform("linux")]
    private static int Bind(ServeOptions options, bool nonBlocking)
    {
        var address = Addresses.Resolve(options.Host);
        Privileges.RefuseRootOnPublicAddress(address, options.User, options.AllowRoot);
        return Listener.Open(address, options.Port, nonBlocking, options.ReusePort);
    }

    /// <summary>Where fork(2) does not exist (Windows), only the spawn model can serve; <c>--model fork</c> says so and falls back to it.</summary>
    private static int RunWithoutFork(ServeOptions options)
    {
        var log = new EventLog(options.LogFormat, options.Quiet);
        try
        {
            if (options.Exec is not null)
            {
                throw new StartupException("forkserver exec needs Linux: it forks a child per client and execs the program in it");
            }
            if (options.Timeline is not null)
            {
                throw new StartupException("--timeline needs Linux: it draws the forks and reaps of a Linux server's children");
            }
            if (options.Model == ConcurrencyModel.Fork)
            {
                log.Always("fork-unavailable", "this system has no fork(2): serving each client in a spawned process instead (--model spawn)");
            }
            else if (options.Model != ConcurrencyModel.Spawn)
            {
                throw new StartupException($"--model {Names.Of(options.Model)} needs Linux; on this system use --model spawn, which starts a process per client");
            }
            if (!OperatingSystem.IsWindows())
            {
                throw new StartupException("this system is neither Linux nor Windows: ForkServer serves on those two only");
            }
            return new WindowsSpawnModel(options, Addresses.Resolve(options.Host), SessionsFor(options, listenerTimeouts: false), log).Run();
        }
        catch (StartupException e)
        {
            return CannotStart(log, e.Message);
        }
    }

    /// <summary>Why the server cannot start, in one line, and the status that says so.</summary>
    private static int CannotStart(EventLog log, string why)
    {
        log.Error("cannot-start", $"forkserver: {why}", new LogField("error", why));
        return ExitCodes.CannotStart;
    }

    private static SessionFactory SessionsFor(ServeOptions options, bool listenerTimeouts) =>
        new(options.Protocol, options.Prefix, options.MaxMessage, options.IdleTimeout, options.SessionTimeout, options.QuitWord)
        {
            ListenerTimeouts = listenerTimeouts,
        };
}
