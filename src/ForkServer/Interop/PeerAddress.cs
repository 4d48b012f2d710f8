using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using ForkServer.Net;

namespace ForkServer.Interop;

/// <summary>
/// An IPv4 or IPv6 address and port as the kernel's sockaddr_in and sockaddr_in6 hold them. A value, not an object:
/// keeping a client's costs the forking parent no allocation; it becomes text only when a line is written.
/// </summary>
public readonly struct PeerAddress
{
    /// <summary>Room for a sockaddr_in6, the longest address used here.</summary>
    public const int MaxLength = 28;

    /// <summary>Linux's AF_INET and AF_INET6 (.NET's AddressFamily.InterNetworkV6 is 23, Windows' number).</summary>
    public const int AF_INET = 2;
    public const int AF_INET6 = 10;

    private readonly UInt128 _address;
    private readonly ushort _port;
    private readonly bool _isIPv6;

    private PeerAddress(UInt128 address, ushort port, bool isIPv6)
    {
        _address = address;
        _port = port;
        _isIPv6 = isIPv6;
    }

    public bool IsIPv6 => _isIPv6;

    public int Port => _port;

    /// <summary>sockaddr_in: family, port (network order), 4 address bytes; sockaddr_in6: family, port, flow info, 16 bytes.</summary>
    public static PeerAddress Decode(ReadOnlySpan<byte> sockaddr)
    {
        if (sockaddr.Length < 8)
        {
            return default;
        }
        int family = BitConverter.ToUInt16(sockaddr);
        ushort port = BinaryPrimitives.ReadUInt16BigEndian(sockaddr[2..]);
        return family == AF_INET6 && sockaddr.Length >= 24
            ? new PeerAddress(BinaryPrimitives.ReadUInt128BigEndian(sockaddr[8..24]), port, isIPv6: true)
            : new PeerAddress(BinaryPrimitives.ReadUInt32BigEndian(sockaddr[4..8]), port, isIPv6: false);
    }

    public static PeerAddress From(IPEndPoint endPoint)
    {
        Span<byte> bytes = stackalloc byte[16];
        endPoint.Address.TryWriteBytes(bytes, out int written);
        return endPoint.AddressFamily == AddressFamily.InterNetworkV6
            ? new PeerAddress(BinaryPrimitives.ReadUInt128BigEndian(bytes), (ushort)endPoint.Port, isIPv6: true)
            : new PeerAddress(BinaryPrimitives.ReadUInt32BigEndian(bytes[..written]), (ushort)endPoint.Port, isIPv6: false);
    }

    /// <summary>Writes the sockaddr for this address into <paramref name="sockaddr"/>; returns its length.</summary>
    public int Encode(Span<byte> sockaddr)
    {
        sockaddr[..MaxLength].Clear();
        BitConverter.TryWriteBytes(sockaddr, (ushort)(_isIPv6 ? AF_INET6 : AF_INET));
        BinaryPrimitives.WriteUInt16BigEndian(sockaddr[2..], _port);
        if (_isIPv6)
        {
            BinaryPrimitives.WriteUInt128BigEndian(sockaddr[8..24], _address);
            return 28;
        }
        BinaryPrimitives.WriteUInt32BigEndian(sockaddr[4..8], (uint)_address);
        return 16;
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

    /// <summary>127.0.0.1:50007 or [::1]:50007, as every line of the log writes a client.</summary>
    public override string ToString() => Addresses.Format(ToEndPoint());
}
