using System.Net;
using System.Runtime.Versioning;
using ForkServer.Interop;
using ForkServer.Logging;
using ForkServer.Networking;
using ForkServer.Supervision;

namespace ForkServer.Models.Udp;

/// <summary>
/// The tutorial's UDP echo server: every datagram goes back, unchanged, to the address it came from. There is no
/// connection and no accept: one socket, one recvfrom(2) per datagram, and the datagram's boundaries are kept. It
/// polls the socket beside the signal funnel, and takes signals as every server does. A datagram whose echo could come
/// back to be echoed again is dropped (<see cref="WouldLoop"/>), as inetd drops them for its own echo service.
/// </summary>
[SupportedOSPlatform("linux")]
public sealed class UdpEcho(IPAddress address, int port, string? user, bool allowRoot, EventLog log) : ISignalTarget
{
    private readonly StopRequest _stop = new();
    private long _echoed;
    private long _dropped;

    public int Run(SignalFunnel funnel)
    {
        Privileges.RefuseRootOnPublicAddress(address, user, allowRoot);
        int socket = Listener.OpenDatagram(address, port);
        Privileges.DropAfterBind(user);
        int ownPort = Posix.LocalAddress(socket).Port;
        string where = Listener.Where(socket);
        log.Listening(where, "UDP echo", null, new LogField("model", "udp"));
        // The largest UDP payload: a smaller buffer would cut datagrams short.
        var buffer = new byte[65535];
        Span<PollEntry> wait = [new PollEntry(socket, PollEntry.Readable), new PollEntry(funnel.Fd, PollEntry.Readable)];
        while (!_stop.Requested)
        {
            Posix.Poll(wait, -1);
            if (wait[1].CanRead)
            {
                ServerSignals.Dispatch(funnel, this, log);
            }
            if (!wait[0].CanRead || _stop.Requested)
            {
                continue;
            }
            int received = Posix.ReceiveFrom(socket, buffer, out var sender);
            if (received < 0)
            {
                // Nothing after all, or an ICMP "port unreachable" for an earlier reply: that sender has gone.
                continue;
            }
            if (WouldLoop(sender.Port, ownPort) is { } why)
            {
                _dropped++;
                log.Info("dropped", $"dropped {received} bytes from {sender}: {why}, and its echo could come back to be echoed again without end",
                    new LogField("peer", sender.ToString()), new LogField("bytes", received));
                continue;
            }
            Posix.SendTo(socket, buffer.AsSpan(0, received), sender);
            _echoed++;
            log.Info("echoed", $"echoed {received} bytes to {sender}", new LogField("peer", sender.ToString()), new LogField("bytes", received));
        }
        Posix.Close(socket);
        log.Summary("stopped", $"{Signals.Name(_stop.Signal)} received; stopped: echoed {_echoed} datagrams, dropped {_dropped}{log.DroppedSummary()}",
            new LogField("echoed", _echoed), new LogField("dropped", _dropped));
        return Cli.ExitCodes.Ok;
    }

    /// <summary>
    /// Why a datagram from <paramref name="port"/> must not be echoed, or null. From this server's own port it is its
    /// own echo (a forged sender, or a server of this port elsewhere); under 1024 live system services, echo and
    /// chargen among them, that answer whatever comes. No legitimate client sends from either.
    /// </summary>
    private static string? WouldLoop(int port, int ownPort) =>
        port == ownPort ? "it comes from this server's own port"
        : port < 1024 ? $"port {port} is a system service's, which may answer every datagram as this server does"
        : null;

    void ISignalTarget.Stop(int signal, bool now) => _stop.Ask(signal, now);

    bool ISignalTarget.Reload() => false;

    void ISignalTarget.ReportStatus() =>
        log.Info("status", $"status (SIGUSR1): echoed {_echoed} datagrams, dropped {_dropped}", new LogField("echoed", _echoed),
            new LogField("dropped", _dropped));

    void ISignalTarget.ChildrenChanged()
    {
    }
}
