using System.Net;
using System.Runtime.Versioning;
using ForkServer.Cli;
using ForkServer.Interop;

namespace ForkServer.Networking;

/// <summary>
/// Makes the listening socket as a bare descriptor: socket, SO_REUSEADDR (and SO_REUSEPORT when asked), bind, listen.
/// A bind that fails becomes a <see cref="StartupException"/> that says what happened and what to do about it.
/// </summary>
[SupportedOSPlatform("linux")]
public static class Listener
{
    /// <summary>
    /// A TCP socket listening on <paramref name="address"/>:<paramref name="port"/>, close-on-exec. Non-blocking when
    /// one loop polls it; blocking when workers wait in accept(2) on it (the kernel then wakes one worker per client).
    /// </summary>
    public static int Open(IPAddress address, int port, bool nonBlocking, bool reusePort = false) =>
        Open(address, port, udp: false, nonBlocking, reusePort);

    /// <summary>A UDP socket bound to <paramref name="address"/>:<paramref name="port"/> (no SO_REUSEADDR: a second server would steal datagrams).</summary>
    public static int OpenDatagram(IPAddress address, int port) => Open(address, port, udp: true, nonBlocking: true, reusePort: false);

    /// <summary>127.0.0.1:50007 or [::1]:50007: where the socket really listens (the port the kernel chose for 0).</summary>
    public static string Where(int fd) => Posix.LocalAddress(fd).ToString();

    private static int Open(IPAddress address, int port, bool udp, bool nonBlocking, bool reusePort)
    {
        bool ipv6 = address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6;
        int fd = Posix.Socket(ipv6, udp, nonBlocking);
        if (fd < 0)
        {
            throw new StartupException($"cannot make a socket for {address}: {OpenFileLimit.Describe("socket", -fd)}");
        }
        if (!udp)
        {
            Posix.SetReuseAddress(fd);
        }
        if (reusePort)
        {
            Posix.SetReusePort(fd);
        }
        if (ipv6)
        {
            // :: takes IPv4 clients too; so does an IPv4-mapped address, which only a dual-stack socket can bind.
            Posix.SetIPv6Only(fd, only: !(address.Equals(IPAddress.IPv6Any) || address.IsIPv4MappedToIPv6));
        }
        int failed = Posix.Bind(fd, PeerAddress.From(new IPEndPoint(address, port)));
        if (failed == 0 && !udp)
        {
            failed = Posix.Listen(fd, ListenQueue.Length);
        }
        if (failed != 0)
        {
            Posix.Close(fd);
            throw new StartupException(BindFailure.Explain(BindFailure.From(-failed), address, port, udp));
        }
        return fd;
    }
}
