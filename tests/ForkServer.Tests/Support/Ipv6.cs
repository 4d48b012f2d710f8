using System.Net;
using System.Net.Sockets;

namespace ForkServer.Tests.Support;

/// <summary>Whether this machine has IPv6 loopback: a container may have it turned off, and then ::1 cannot be bound.</summary>
public static class Ipv6
{
    public static bool Available { get; } = Probe();

    public const string Missing = "needs IPv6 loopback (::1), which this machine or container does not have";

    private static bool Probe()
    {
        try
        {
            using var socket = new Socket(AddressFamily.InterNetworkV6, SocketType.Stream, ProtocolType.Tcp);
            socket.Bind(new IPEndPoint(IPAddress.IPv6Loopback, 0));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
