using ForkServer.Interop;
using ForkServer.Sessions;

namespace ForkServer.Models.Spawn;

/// <summary>
/// The spawn model's child: this program started again for one client by a spawn-model server. It takes the socket
/// the parent handed over, serves one session with the same code the other models run, and exits with the status
/// that says how the session ended (<see cref="SessionEnds"/>), which the parent logs when it reaps it.
/// </summary>
public static class SpawnedChild
{
    /// <summary>What <c>ps</c> shows for a spawned child, waiting in the pool or serving.</summary>
    private static ReadOnlySpan<byte> ProcessName => "fs-spawned\0"u8;

    /// <summary>
    /// Serves the client on the inherited descriptor <paramref name="fd"/>, or those that come on the channel
    /// <paramref name="handover"/> (Linux: up to <paramref name="clients"/>, one after another, saying on
    /// <paramref name="ready"/> when it waits for the next), or the sockets duplicated into it (Windows: up to
    /// <paramref name="clients"/> too).
    /// </summary>
    public static int Run(int? fd, int? handover, int clients, int? ready, SessionFactory sessions)
    {
        var session = sessions.Create();
        var buffer = new byte[sessions.MaxMessage];
        if (OperatingSystem.IsLinux())
        {
            // exec named this process after the file it ran ("exe" for /proc/self/exe): a child waiting in the pool too
            // shows in ps as what it is.
            Posix.SetName(ProcessName);
            if (fd is { } inherited)
            {
                return Serve(inherited, sessions, session, buffer);
            }
            if (handover is not { } channel || (clients > 1 && ready is null))
            {
                throw new Cli.StartupException("--fd, or --handover (and --ready with --clients), is needed on Linux");
            }
            return ServeHandedOver(channel, clients, ready ?? -1, sessions, session, buffer);
        }
        if (!OperatingSystem.IsWindows())
        {
            throw new Cli.StartupException("a spawned child serves on Linux or Windows only");
        }
        return ServeFromStandardInput(clients, sessions, session, buffer);
    }

    /// <summary>
    /// Windows: each socket the server duplicates into this process, up to <paramref name="clients"/>, saying on
    /// standard output when it waits for the next (<see cref="SocketHandover"/>); the exit status is the last session's.
    /// </summary>
    [System.Runtime.Versioning.SupportedOSPlatform("windows")]
    private static int ServeFromStandardInput(int clients, SessionFactory sessions, Protocols.ISession session, byte[] buffer)
    {
        int status = Cli.ExitCodes.Ok;
        for (int served = 0; served < clients; served++)
        {
            using var socket = SocketHandover.FromDuplicate(Console.In);
            if (socket is null)
            {
                // The server had no client for it (it stopped, or has children enough waiting).
                return served == 0 ? throw new InvalidDataException("no socket information on standard input") : status;
            }
            socket.Blocking = true;
            session.Reset();
            status = SessionEnds.ExitCode(BlockingSessionRunner.Run(new SocketConnection(socket), sessions, session, buffer));
            if (served + 1 < clients)
            {
                Console.Out.WriteLine(SocketHandover.ReadyLine);
            }
        }
        return status;
    }

    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    private static int Serve(int client, SessionFactory sessions, Protocols.ISession session, byte[] buffer) =>
        SessionEnds.ExitCode(BlockingSessionRunner.Run(new DescriptorConnection(client, sessions.ListenerTimeouts), sessions, session, buffer));

    /// <summary>
    /// Waits in the pool. First, while no client waits, one session against a socket pair (a message, a reply, the
    /// peer's end of sending): the clients' sessions then run code the runtime has compiled already. Then each client
    /// the server hands over, until the <paramref name="clients"/>th or until the server closes the channel (it stopped,
    /// died, or has children enough waiting); the exit status is the last session's.
    /// </summary>
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    private static int ServeHandedOver(int channel, int clients, int ready, SessionFactory sessions, Protocols.ISession session, byte[] buffer)
    {
        var (ours, theirs) = Posix.SocketPair();
        if (ours < 0)
        {
            throw new Cli.StartupException($"cannot warm up: {Cli.OpenFileLimit.Describe("socketpair", -ours)}");
        }
        Posix.Send(ours, "warm-up"u8);
        Posix.ShutdownSend(ours);
        BlockingSessionRunner.Run(new DescriptorConnection(theirs, inheritedTimeouts: false), sessions, sessions.Create(), buffer);
        Posix.Close(theirs);
        Posix.Close(ours);

        int pid = Posix.GetPid();
        var self = System.Runtime.InteropServices.MemoryMarshal.AsBytes(new ReadOnlySpan<int>(in pid));
        int status = Cli.ExitCodes.Ok;
        for (int served = 0; served < clients; served++)
        {
            int client = Posix.ReceiveDescriptor(channel);
            if (client == 0)
            {
                break;
            }
            session.Reset();
            status = Serve(client, sessions, session, buffer);
            Posix.Close(client);
            if (served + 1 < clients)
            {
                // Four bytes, one write(2): the server reads whole pids off the pipe however many children write at once.
                Posix.Write(ready, self);
            }
        }
        Posix.Close(channel);
        return status;
    }
}
