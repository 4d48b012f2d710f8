using System.Net;
using System.Net.Sockets;
using ForkServer.Interop;

namespace ForkServer.Server;

/// <summary>
/// Makes the listening socket: socket, SO_REUSEADDR, bind, listen (TCP) or just bind (UDP). A bind that fails becomes a
/// <see cref="StartupException"/> that says what happened and what to do about it.
/// </summary>
public static class Listener
{
    /// <summary>
    /// Room in the accept queue for clients that wait while the server is at its child limit; the kernel caps it
    /// at net.core.somaxconn.
    /// </summary>
    public const int Backlog = 1024;

    public static Socket Open(IPAddress address, int port, ProtocolType protocol = ProtocolType.Tcp)
    {
        var socket = new Socket(address.AddressFamily, protocol == ProtocolType.Udp ? SocketType.Dgram : SocketType.Stream, protocol);
        try
        {
            // For UDP, SO_REUSEADDR would let a second server bind the same port and silently steal its datagrams.
            if (!OperatingSystem.IsWindows() && protocol == ProtocolType.Tcp)
            {
                Posix.SetReuseAddress((int)socket.Handle);
            }
            if (address.Equals(IPAddress.IPv6Any))
            {
                socket.DualMode = true;
            }
            socket.Bind(new IPEndPoint(address, port));
            if (protocol == ProtocolType.Tcp)
            {
                socket.Listen(Backlog);
            }
            return socket;
        }
        catch (SocketException e)
        {
            socket.Dispose();
            throw new StartupException(Explain(e, address, port, protocol == ProtocolType.Udp ? 'u' : 't'));
        }
    }

    /// <summary>accept(2) once poll said the listening socket is readable; null if that client gave up before we took it.</summary>
    public static Socket? AcceptReady(Socket listener)
    {
        try
        {
            return listener.Accept();
        }
        catch (SocketException e) when (e.SocketErrorCode is SocketError.WouldBlock or SocketError.ConnectionAborted)
        {
            return null;
        }
    }

    public static IPAddress Resolve(string host)
    {
        if (IPAddress.TryParse(host, out var address))
        {
            return address;
        }
        try
        {
            return Dns.GetHostAddresses(host) is [var first, ..]
                ? first
                : throw new StartupException($"host '{host}' has no address; use an IP address such as 127.0.0.1");
        }
        catch (SocketException)
        {
            throw new StartupException($"cannot resolve host '{host}'; use an IP address such as 127.0.0.1 or a name in /etc/hosts");
        }
    }

    /// <summary><paramref name="ssKind"/> is ss's letter for the protocol: t for TCP, u for UDP.</summary>
    private static string Explain(SocketException e, IPAddress address, int port, char ssKind)
    {
        string where = Format(new IPEndPoint(address, port));
        return e.SocketErrorCode switch
        {
            SocketError.AddressAlreadyInUse =>
                $"port {port} is already in use on {address}: another server is listening there; stop it (ss -l{ssKind}np 'sport = :{port}' shows which) or choose another port with --port",
            SocketError.AccessDenied when port is > 0 and < 1024 =>
                $"cannot listen on {where}: ports below 1024 are well-known ports that need root or CAP_NET_BIND_SERVICE; choose --port 1024 or above, or start as root with --user to drop privileges",
            SocketError.AccessDenied => $"cannot listen on {where}: permission denied",
            SocketError.AddressNotAvailable =>
                $"cannot listen on {where}: {address} is not an address of this machine; use 127.0.0.1, ::1 or 0.0.0.0",
            _ => $"cannot listen on {where}: {e.Message}",
        };
    }

    /// <summary>127.0.0.1:50007 or [::1]:50007, as the log and the messages write addresses.</summary>
    public static string Format(EndPoint? endPoint) => endPoint switch
    {
        IPEndPoint { Address.IsIPv4MappedToIPv6: true } ip => $"{ip.Address.MapToIPv4()}:{ip.Port}",
        IPEndPoint ip => ip.ToString(),
        null => "unknown peer",
        _ => endPoint.ToString() ?? "unknown peer",
    };
}
