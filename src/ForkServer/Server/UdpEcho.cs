using System.Net;
using System.Net.Sockets;
using ForkServer.Interop;
using ForkServer.Logging;

namespace ForkServer.Server;

/// <summary>
/// The tutorial's UDP echo server: every datagram goes back, unchanged, to the address it came from. There is no
/// connection and no accept: one socket, one recvfrom(2) per datagram, and the datagram's boundaries are kept.
/// </summary>
public static class UdpEcho
{
    public static int Run(string host, int port, EventLog log)
    {
        try
        {
            using var socket = Listener.Open(Listener.Resolve(host), port, ProtocolType.Udp);
            return Serve(socket, log);
        }
        catch (StartupException e)
        {
            log.Error("cannot-start", $"forkserver: {e.Message}", new LogField("error", e.Message));
            return ExitCodes.CannotStart;
        }
    }

    private static int Serve(Socket socket, EventLog log)
    {
        var signals = new SignalWatcher(Signals.SIGTERM, Signals.SIGINT);
        string address = Listener.Format(socket.LocalEndPoint);
        log.Always("listening", $"listening on {address} (UDP echo)", new LogField("address", address), new LogField("model", "udp"));
        // The largest UDP payload: a smaller buffer would cut datagrams short.
        var buffer = new byte[65535];
        EndPoint any = new IPEndPoint(socket.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0);
        ReadOnlySpan<int> fds = [(int)socket.Handle, signals.WakeFd];
        Span<bool> readable = stackalloc bool[2];
        long echoed = 0;
        while (true)
        {
            Posix.PollReadable(fds, readable, -1);
            var pending = signals.TakePending();
            if (pending.Contains(Signals.SIGTERM) || pending.Contains(Signals.SIGINT))
            {
                break;
            }
            if (!readable[0])
            {
                continue;
            }
            var sender = any;
            int received;
            try
            {
                received = socket.ReceiveFrom(buffer, ref sender);
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionReset)
            {
                // An ICMP "port unreachable" for an earlier reply: that sender has gone.
                continue;
            }
            socket.SendTo(buffer.AsSpan(0, received), sender);
            echoed++;
            string peer = Listener.Format(sender);
            log.Info("echoed", $"echoed {received} bytes to {peer}", new LogField("peer", peer), new LogField("bytes", received));
        }
        log.Info("stopped", $"stopped: echoed {echoed} datagrams", new LogField("echoed", echoed));
        return ExitCodes.Ok;
    }
}
