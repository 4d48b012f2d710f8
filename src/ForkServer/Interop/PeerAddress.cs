using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace ForkServer.Interop;

/// <summary>
/// A connected client's IPv4 or IPv6 address and port, decoded from the sockaddr accept(2) filled in. A value, not
/// an object: keeping it costs the forking parent no allocation; it becomes text only when a line is written.
/// </summary>
public readonly struct PeerAddress
{
    /// <summary>Room for a sockaddr_in6, the longest address accept(2) returns here.</summary>
    public const int MaxLength = 28;

    private readonly UInt128 _address;
    private readonly ushort _port;
    private readonly bool _isIPv6;

    private PeerAddress(UInt128 address, ushort port, bool isIPv6)
    {
        _address = address;
        _port = port;
        _isIPv6 = isIPv6;
    }

    /// <summary>sockaddr_in: family, port (network order), 4 address bytes; sockaddr_in6: family, port, flow info, 16 bytes.</summary>
    public static PeerAddress Decode(ReadOnlySpan<byte> sockaddr)
    {
        int family = BitConverter.ToUInt16(sockaddr);
        ushort port = BinaryPrimitives.ReadUInt16BigEndian(sockaddr[2..]);
        return family == (int)AddressFamily.InterNetworkV6 && sockaddr.Length >= MaxLength
            ? new PeerAddress(BinaryPrimitives.ReadUInt128BigEndian(sockaddr[8..24]), port, isIPv6: true)
            : new PeerAddress(BinaryPrimitives.ReadUInt32BigEndian(sockaddr[4..8]), port, isIPv6: false);
    }

    public IPEndPoint ToEndPoint()
    {
        Span<byte> bytes = stackalloc byte[16];
        if (_isIPv6)
        {
            BinaryPrimitives.WriteUInt128BigEndian(bytes, _address);
            return new IPEndPoint(new IPAddress(bytes), _port);
        }
        BinaryPrimitives.WriteUInt32BigEndian(bytes, (uint)_address);
        return new IPEndPoint(new IPAddress(bytes[..4]), _port);
    }
}
