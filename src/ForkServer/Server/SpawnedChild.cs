using ForkServer.Logging;
using ForkServer.Protocols;

namespace ForkServer.Server;

/// <summary>
/// The spawn model's child: a forkserver process started by <see cref="SpawnModel"/> for one client. It takes the
/// socket the parent handed over, serves one session with the same code the other models run, and exits.
/// </summary>
public static class SpawnedChild
{
    /// <summary>Serves the client on the inherited descriptor <paramref name="fd"/> (Unix) or the duplicated socket (Windows).</summary>
    public static int Run(int? fd, string peer, SessionFactory sessions, EventLog log)
    {
        using var client = OperatingSystem.IsWindows()
            ? SocketHandover.FromDuplicate(Console.In)
            : SocketHandover.FromInherited(fd ?? throw new ArgumentException("--fd is needed on this system", nameof(fd)));
        client.Blocking = true;
        ClientSession.Serve(client, peer, sessions, log);
        return ExitCodes.Ok;
    }
}
