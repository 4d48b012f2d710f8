using System.Globalization;
using System.Runtime.Versioning;
using ForkServer.Cli;
using ForkServer.Interop;

namespace ForkServer.Networking;

/// <summary>
/// systemd's socket activation (<c>sd_listen_fds(3)</c>): a service manager, or <c>systemd-socket-activate</c>, binds
/// the socket itself and starts the server with it as descriptor 3, saying so in LISTEN_FDS (how many) and LISTEN_PID
/// (for which process: a variable inherited by some other program is not meant for it). The server then serves on that
/// socket instead of binding one, and removes the variables, so that no program it runs takes them for its own.
/// The server's re-exec at start (<see cref="Supervision.SignalFunnel.BlockFromStart"/>) keeps its pid, so
/// LISTEN_PID still names it.
/// </summary>
[SupportedOSPlatform("linux")]
public static class SocketActivation
{
    /// <summary>SD_LISTEN_FDS_START: the first descriptor passed.</summary>
    public const int FirstDescriptor = 3;

    /// <summary>
    /// The listening socket passed to this process, made close-on-exec and (non-)blocking as asked; null when none was
    /// passed. A passed descriptor that is not a listening socket, or more than one, is a start-up error.
    /// </summary>
    public static int? Take(bool nonBlocking)
    {
        string? fds = Environment.GetEnvironmentVariable("LISTEN_FDS");
        string? pid = Environment.GetEnvironmentVariable("LISTEN_PID");
        if (fds is null || pid is null || !int.TryParse(pid, NumberStyles.None, CultureInfo.InvariantCulture, out int forPid)
            || forPid != Posix.GetPid())
        {
            return null;
        }
        foreach (string name in new[] { "LISTEN_FDS", "LISTEN_PID", "LISTEN_FDNAMES" })
        {
            Environment.SetEnvironmentVariable(name, null);
        }
        if (!int.TryParse(fds, NumberStyles.None, CultureInfo.InvariantCulture, out int count) || count != 1)
        {
            throw new StartupException($"socket activation: LISTEN_FDS={fds}, but ForkServer serves exactly one socket (descriptor {FirstDescriptor})");
        }
        if (!Posix.IsListeningSocket(FirstDescriptor))
        {
            throw new StartupException($"socket activation: descriptor {FirstDescriptor} is not a listening socket (a service with Accept=yes passes connections; use Accept=no)");
        }
        Posix.AdoptDescriptor(FirstDescriptor, nonBlocking);
        return FirstDescriptor;
    }
}
