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

    /// <summary>The IPv4-mapped form of an IPv4 address, as IPv6 writes it (::ffff:a.b.c.d).</summary>
    private static readonly UInt128 s_mappedPrefix = (UInt128)0xffff << 32;

    private bool IsMapped => _isIPv6 && (_address >> 32) == 0xffff;

    /// <summary>
    /// Which clients count as one source for a per-address limit: an IPv4 address (whether it came as IPv4 or
    /// IPv4-mapped IPv6), or an IPv6 /64, the block one site is given, as nginx and systemd group IPv6 sources.
    /// </summary>
    public UInt128 Source => !_isIPv6 ? s_mappedPrefix | _address : IsMapped ? _address : _address & ~(UInt128)ulong.MaxValue;

    /// <summary>
    /// Writes the address alone, as tcpserver puts it in TCPREMOTEIP (1.2.3.4; an IPv6 address as RFC 5952 writes it,
    /// an IPv4-mapped one as IPv4), into <paramref name="text"/> as ASCII; returns its length. Allocates nothing.
    /// </summary>
    public int FormatAddress(Span<byte> text)
    {
        if (!_isIPv6 || IsMapped)
        {
            uint v4 = (uint)_address;
            int at = 0;
            for (int shift = 24; shift >= 0; shift -= 8)
            {
                ((byte)(v4 >> shift)).TryFormat(text[at..], out int written);
                at += written;
                if (shift > 0)
                {
                    text[at++] = (byte)'.';
                }
            }
            return at;
        }
        Span<ushort> groups = stackalloc ushort[8];
        for (int i = 0; i < 8; i++)
        {
            groups[i] = (ushort)(_address >> (112 - 16 * i));
        }
        // The longest run of two or more zero groups (the first of equals) becomes "::".
        int bestStart = -1, bestLength = 1;
        for (int i = 0; i < 8;)
        {
            int j = i;
            while (j < 8 && groups[j] == 0)
            {
                j++;
            }
            if (j - i > bestLength)
            {
                (bestStart, bestLength) = (i, j - i);
            }
            i = j == i ? i + 1 : j;
        }
        int length = 0;
        for (int i = 0; i < 8; i++)
        {
            if (i == bestStart)
            {
                text[length++] = (byte)':';
                text[length++] = (byte)':';
                i += bestLength - 1;
                continue;
            }
            if (length > 0 && text[length - 1] != ':')
            {
                text[length++] = (byte)':';
            }
            groups[i].TryFormat(text[length..], out int written, "x", System.Globalization.CultureInfo.InvariantCulture);
            length += written;
        }
        return length;
    }

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
