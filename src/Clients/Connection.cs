using System.Net.Sockets;
using ForkServer.Cli;
using ForkServer.Net;

namespace ForkServer.Clients;

/// <summary>Connects to a server, turning a failure into one line on standard error instead of a stack trace.</summary>
public static class Connection
{
    /// <summary>
    /// A connected socket, or null after one line on standard error. A UDP socket is connected too: then the kernel
    /// reports an ICMP "port unreachable" for a datagram as a refused receive instead of dropping it silently.
    /// <paramref name="server"/> is the forkserver command that serves this client, for the hint when nobody listens.
    /// </summary>
    public static Socket? Open(string host, int port, string server, ProtocolType protocol = ProtocolType.Tcp)
    {
        try
        {
            var address = Addresses.Resolve(host);
            var socket = protocol == ProtocolType.Udp
                ? new Socket(address.AddressFamily, SocketType.Dgram, ProtocolType.Udp)
                : new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                socket.Connect(address, port);
                return socket;
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }
        catch (SocketException e)
        {
            Console.Error.WriteLine($"forkclient: {Explain(e, host, port, server, protocol == ProtocolType.Udp)}");
        }
        catch (StartupException e)
        {
            Console.Error.WriteLine($"forkclient: {e.Message}");
        }
        return null;
    }

    /// <summary>What went wrong with a connection, in one line that says what to do about it.</summary>
    public static string Explain(SocketException e, string host, int port, string server, bool udp = false) => e.SocketErrorCode switch
    {
        SocketError.ConnectionRefused when udp =>
            $"no UDP server at {host}:{port}: the datagram was refused (start one with: {server} --port {port})",
        SocketError.ConnectionRefused =>
            $"connection to {host}:{port} refused: no server is listening there (start one with: {server} --port {port})",
        SocketError.TimedOut or SocketError.WouldBlock when udp =>
            $"no reply from {host}:{port}: UDP does not resend a lost datagram; is a server running there?",
        SocketError.ConnectionReset or SocketError.Shutdown => $"connection to {host}:{port} lost: the server went away",
        _ => $"cannot talk to {host}:{port}: {e.Message}",
    };
}
