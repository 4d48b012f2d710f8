using System.Net;
using System.Net.Sockets;

namespace ForkServer.Tests.Support;

/// <summary>A loopback port nobody listens on: the kernel hands out a free one, and it is closed again at once.</summary>
public static class ClosedPort
{
    public static int Tcp() => Find(SocketType.Stream, ProtocolType.Tcp);

    public static int Udp() => Find(SocketType.Dgram, ProtocolType.Udp);

    private static int Find(SocketType type, ProtocolType protocol)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, type, protocol);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }
}
