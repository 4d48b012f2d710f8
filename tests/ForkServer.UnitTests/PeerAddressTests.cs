using System.Net;
using System.Runtime.Versioning;
using ForkServer.Interop;

namespace ForkServer.UnitTests;

[SupportedOSPlatform("linux")]
public sealed class PeerAddressTests
{
    [Theory]
    [InlineData("127.0.0.1", 50007, "127.0.0.1:50007")]
    [InlineData("::1", 46016, "[::1]:46016")]
    [InlineData("fe80::1", 1, "[fe80::1]:1")]
    [InlineData("::ffff:127.0.0.1", 80, "127.0.0.1:80")]
    public void EncodingThenDecodingGivesTheAddressBackAsTheLogWritesIt(string address, int port, string text)
    {
        var peer = PeerAddress.From(new IPEndPoint(IPAddress.Parse(address), port));
        Span<byte> sockaddr = stackalloc byte[PeerAddress.MaxLength];
        int length = peer.Encode(sockaddr);
        var decoded = PeerAddress.Decode(sockaddr[..length]);
        Assert.Equal(text, decoded.ToString());
        Assert.Equal(port, decoded.Port);
    }

    [Fact]
    public void ASockaddrIn6IsReadWithLinuxsFamilyNumberTen()
    {
        // sockaddr_in6 for [::1]:46016 as accept(2) fills it: family 10 (AF_INET6), port in network order, flow
        // info, 16 address bytes, scope id. .NET's AddressFamily.InterNetworkV6 is 23: comparing with it read 0.0.0.0.
        byte[] sockaddr = new byte[28];
        sockaddr[0] = 10;
        sockaddr[2] = 46016 >> 8;
        sockaddr[3] = 46016 & 0xff;
        sockaddr[23] = 1;
        Assert.Equal("[::1]:46016", PeerAddress.Decode(sockaddr).ToString());
    }

    [Fact]
    public void ASockaddrInIsFourAddressBytesAfterThePort()
    {
        byte[] sockaddr = [2, 0, 0xC3, 0x57, 10, 1, 2, 3, 0, 0, 0, 0, 0, 0, 0, 0];
        Assert.Equal("10.1.2.3:50007", PeerAddress.Decode(sockaddr).ToString());
    }
}
