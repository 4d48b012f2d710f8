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
    /// <summary>Serves the client on the inherited descriptor <paramref name="fd"/> (Linux) or the duplicated socket (Windows).</summary>
    public static int Run(int? fd, SessionFactory sessions)
    {
        var session = sessions.Create();
        var buffer = new byte[sessions.MaxMessage];
        if (OperatingSystem.IsLinux())
        {
            int client = fd ?? throw new Cli.StartupException("--fd is needed on Linux");
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
}
