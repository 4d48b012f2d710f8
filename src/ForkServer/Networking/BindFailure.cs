using System.Net;
using ForkServer.Net;

namespace ForkServer.Networking;

/// <summary>Why a server could not listen, in one line that says what to do, whichever platform said it.</summary>
public enum BindFailureKind
{
    InUse,
    Denied,
    NotAvailable,
    Other,
}

public static class BindFailure
{
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public static (BindFailureKind Kind, string Detail) From(int errno) =>
        (errno == Interop.Errno.EADDRINUSE ? BindFailureKind.InUse
            : errno == Interop.Errno.EACCES ? BindFailureKind.Denied
            : errno == Interop.Errno.EADDRNOTAVAIL ? BindFailureKind.NotAvailable
            : BindFailureKind.Other,
         Interop.PosixException.Describe("bind", errno));

    /// <summary>The same from a .NET socket's bind (the chat, and Windows).</summary>
    public static (BindFailureKind Kind, string Detail) From(System.Net.Sockets.SocketException e) =>
        (e.SocketErrorCode switch
        {
            System.Net.Sockets.SocketError.AddressAlreadyInUse => BindFailureKind.InUse,
            System.Net.Sockets.SocketError.AccessDenied => BindFailureKind.Denied,
            System.Net.Sockets.SocketError.AddressNotAvailable => BindFailureKind.NotAvailable,
            _ => BindFailureKind.Other,
        }, e.Message);

    public static string Explain((BindFailureKind Kind, string Detail) failure, IPAddress address, int port, bool udp)
    {
        string where = Addresses.Format(new IPEndPoint(address, port));
        char ssKind = udp ? 'u' : 't';
        return failure.Kind switch
        {
            BindFailureKind.InUse =>
                $"port {port} is already in use on {address}: another server is listening there; stop it (ss -l{ssKind}np 'sport = :{port}' shows which) or choose another port with --port",
            BindFailureKind.Denied when port is > 0 and < 1024 =>
                $"cannot listen on {where}: ports below 1024 are well-known ports that need root or CAP_NET_BIND_SERVICE; choose --port 1024 or above, or start as root with --user to drop privileges",
            BindFailureKind.Denied => $"cannot listen on {where}: permission denied",
            BindFailureKind.NotAvailable =>
                address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6
                    ? $"cannot listen on {where}: {address} is not an address of this machine (or IPv6 is turned off here); use 127.0.0.1 or 0.0.0.0"
                    : $"cannot listen on {where}: {address} is not an address of this machine; use 127.0.0.1, ::1 or 0.0.0.0",
            _ => $"cannot listen on {where}: {failure.Detail}",
        };
    }
}
