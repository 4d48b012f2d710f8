using System.Runtime.Versioning;
using ForkServer.Interop;
using ForkServer.Logging;

namespace ForkServer.Networking;

/// <summary>
/// sd_notify(3) for a service manager that asked for it with NOTIFY_SOCKET (systemd's Type=notify): READY=1 once the
/// server listens, STOPPING=1 when its stop begins. Each is one datagram to that unix socket (a path, or an abstract
/// name written with '@'). The variable is removed at start, so no program the server runs notifies in its name.
/// </summary>
[SupportedOSPlatform("linux")]
public static class Readiness
{
    private static string? s_socket;

    /// <summary>Takes NOTIFY_SOCKET from the environment; call once, at start.</summary>
    public static void TakeSocket()
    {
        s_socket = Environment.GetEnvironmentVariable("NOTIFY_SOCKET") is { Length: > 0 } socket ? socket : null;
        Environment.SetEnvironmentVariable("NOTIFY_SOCKET", null);
    }

    public static void Ready(EventLog log) => Notify("READY=1", log);

    public static void Stopping(EventLog log) => Notify("STOPPING=1", log);

    private static void Notify(string state, EventLog log)
    {
        if (s_socket is not { } socket)
        {
            return;
        }
        int failed = Posix.SendUnixDatagram(socket, System.Text.Encoding.ASCII.GetBytes(state));
        if (failed != 0)
        {
            string why = PosixException.Describe("sendto", -failed);
            log.Error("notify-failed", $"cannot tell the service manager {state} at NOTIFY_SOCKET={socket}: {why}",
                new LogField("state", state), new LogField("error", why));
        }
    }
}
