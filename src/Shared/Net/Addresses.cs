using System.Net;
using System.Net.Sockets;
using ForkServer.Cli;

namespace ForkServer.Net;

/// <summary>How every command reads a host and writes an address: <c>127.0.0.1:50007</c>, <c>[::1]:50007</c>.</summary>
public static class Addresses
{
    /// <summary>Loopback: a server faces the network only when asked to.</summary>
    public const string DefaultHost = "127.0.0.1";

    /// <summary>An IP address as written, or the first address of a name in /etc/hosts or DNS.</summary>
    public static IPAddress Resolve(string host)
    {
        if (IPAddress.TryParse(host, out var address))
        {
            return address;
        }
        // The resolver takes an empty name for this machine's own name: an empty --host would listen on whatever that is.
        if (string.IsNullOrWhiteSpace(host))
        {
            throw new StartupException($"host '{host}' is empty; use an IP address such as 127.0.0.1");
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

    /// <summary>127.0.0.1:50007 or [::1]:50007; an IPv4 client of a dual-stack socket as plain IPv4.</summary>
    public static string Format(EndPoint? endPoint) => endPoint switch
    {
        IPEndPoint { Address.IsIPv4MappedToIPv6: true } ip => $"{ip.Address.MapToIPv4()}:{ip.Port}",
        IPEndPoint ip => ip.ToString(),
        null => "unknown peer",
        _ => endPoint.ToString() ?? "unknown peer",
    };
}
