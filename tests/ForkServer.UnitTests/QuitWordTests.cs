using System.Text;
using ForkServer.Protocols;

namespace ForkServer.UnitTests;

public sealed class QuitWordTests
{
    [Theory]
    [InlineData("q", true)]
    [InlineData("Q", true)]
    [InlineData("q\n", true)]
    [InlineData("Q\r\n", true)]
    [InlineData("qq", false)]
    [InlineData(" q", false)]
    [InlineData("quit", false)]
    [InlineData("", false)]
    [InlineData("\n", false)]
    public void OnlyQOrCapitalQAloneOrBeforeALineEndingEndsTheSession(string message, bool quits) =>
        Assert.Equal(quits, EchoSession.IsQuit(Encoding.UTF8.GetBytes(message)));

    [Fact]
    public void EchoPutsThePrefixBeforeTheChunkAndEndsOnQ()
    {
        var session = new EchoSession(EchoSession.EncodePrefix("you send:"), 64);
        Assert.Equal("you send:hello", Encoding.UTF8.GetString(session.Receive("hello"u8).Bytes.Span));
        Assert.True(session.Receive("q\n"u8).Close);
    }
}
