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
    /// <summary>
    /// Serves the client on the inherited descriptor <paramref name="fd"/> or the one that comes on the channel
    /// <paramref name="handover"/> (Linux), or the duplicated socket (Windows).
    /// </summary>
    public static int Run(int? fd, int? handover, SessionFactory sessions)
    {
        var session = sessions.Create();
        var buffer = new byte[sessions.MaxMessage];
        if (OperatingSystem.IsLinux())
        {
            int client = fd ?? (handover is { } channel ? WaitForClient(channel, sessions, buffer) : throw new Cli.StartupException("--fd or --handover is needed on Linux"));
            if (client == 0)
            {
                // The server stopped (or died) before it had a client for this child.
                return Cli.ExitCodes.Ok;
            }
            Posix.SetName("fs-spawned\0"u8);
            return SessionEnds.ExitCode(BlockingSessionRunner.Run(new DescriptorConnection(client), sessions, session, buffer));
        }
        if (!OperatingSystem.IsWindows())
        {
            throw new Cli.StartupException("a spawned child serves on Linux or Windows only");
        }
        using var socket = SocketHandover.FromDuplicate(Console.In);
        socket.Blocking = true;
        return SessionEnds.ExitCode(BlockingSessionRunner.Run(new SocketConnection(socket), sessions, session, buffer));
    }

    /// <summary>
    /// Waits in the pool: the client's descriptor once the server hands one over, or 0 if it never will. First, while
    /// no client waits, one session against a socket pair (a message, a reply, the peer's end of sending): the
    /// client's session then runs code the runtime has compiled already.
    /// </summary>
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    private static int WaitForClient(int channel, SessionFactory sessions, byte[] buffer)
    {
        var (ours, theirs) = Posix.SocketPair();
        Posix.Send(ours, "warm-up"u8);
        Posix.ShutdownSend(ours);
        BlockingSessionRunner.Run(new DescriptorConnection(theirs), sessions, sessions.Create(), buffer);
        Posix.Close(theirs);
        Posix.Close(ours);

        int client = Posix.ReceiveDescriptor(channel);
        Posix.Close(channel);
        return client;
    }
}
