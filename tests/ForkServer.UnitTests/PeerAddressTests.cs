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

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("10.200.3.45")]
    [InlineData("255.255.255.255")]
    [InlineData("::1")]
    [InlineData("::")]
    [InlineData("2001:db8::1")]
    [InlineData("2001:db8:0:0:1:0:0:1")]
    [InlineData("2001:0:0:1:0:0:0:1")]
    [InlineData("fe80::a:b:c:d")]
    [InlineData("1:2:3:4:5:6:7:8")]
    [InlineData("1::")]
    [InlineData("1:0:2:3:4:5:6:7")]
    public void TheAddressAloneIsWrittenAsDotNetWritesIt(string address)
    {
        var peer = PeerAddress.From(new IPEndPoint(IPAddress.Parse(address), 1));
        Span<byte> text = stackalloc byte[64];
        int length = peer.FormatAddress(text);
        Assert.Equal(IPAddress.Parse(address).ToString(), System.Text.Encoding.ASCII.GetString(text[..length]));
    }

    [Fact]
    public void AnIPv4MappedAddressIsWrittenAsIPv4AndIsTheSameSourceAsIPv4()
    {
        var mapped = PeerAddress.From(new IPEndPoint(IPAddress.Parse("::ffff:192.0.2.7"), 1));
        var plain = PeerAddress.From(new IPEndPoint(IPAddress.Parse("192.0.2.7"), 2));
        Span<byte> text = stackalloc byte[64];
        Assert.Equal("192.0.2.7", System.Text.Encoding.ASCII.GetString(text[..mapped.FormatAddress(text)]));
        Assert.Equal(plain.Source, mapped.Source);
        Assert.NotEqual(plain.Source, PeerAddress.From(new IPEndPoint(IPAddress.Parse("192.0.2.8"), 2)).Source);
    }

    [Fact]
    public void IPv6SourcesAreGroupedBySlash64()
    {
        PeerAddress Of(string address) => PeerAddress.From(new IPEndPoint(IPAddress.Parse(address), 1));
        Assert.Equal(Of("2001:db8:1:2::1").Source, Of("2001:db8:1:2:ffff:ffff:ffff:ffff").Source);
        Assert.NotEqual(Of("2001:db8:1:2::1").Source, Of("2001:db8:1:3::1").Source);
        Assert.NotEqual(Of("::1").Source, Of("127.0.0.1").Source);
    }
}
