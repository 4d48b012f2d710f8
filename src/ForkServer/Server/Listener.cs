using System.Net;
using System.Net.Sockets;
using ForkServer.Interop;

namespace ForkServer.Server;

/// <summary>
/// Makes the listening socket: socket, SO_REUSEADDR, bind, listen. A bind that fails becomes a
/// <see cref="StartupException"/> that says what happened and what to do about it.
/// </summary>
public static class Listener
{
    /// <summary>
    /// Room in the accept queue for clients that wait while the server is at its child limit; the kernel caps it
    /// at net.core.somaxconn.
    /// </summary>
    public const int Backlog = 1024;

    public static Socket Open(string host, int port)
    {
        var address = Resolve(host);
        var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            if (!OperatingSystem.IsWindows())
            {
                Posix.SetReuseAddress((int)socket.Handle);
            }
            if (address.Equals(IPAddress.IPv6Any))
            {
                socket.DualMode = true;
            }
            socket.Bind(new IPEndPoint(address, port));
            socket.Listen(Backlog);
            return socket;
        }
        catch (SocketException e)
        {
            socket.Dispose();
            throw new StartupException(Explain(e, address, port));
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

    private static string Explain(SocketException e, IPAddress address, int port)
    {
        string where = Format(new IPEndPoint(address, port));
        return e.SocketErrorCode switch
        {
            SocketError.AddressAlreadyInUse =>
                $"port {port} is already in use on {address}: another server is listening there; stop it (ss -ltnp 'sport = :{port}' shows which) or choose another port with --port",
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
