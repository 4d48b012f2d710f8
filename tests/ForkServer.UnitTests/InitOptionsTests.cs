using System.Runtime.Versioning;
using ForkServer.Init;

namespace ForkServer.UnitTests;

[SupportedOSPlatform("linux")]
public sealed class InitOptionsTests
{
    [Theory]
    [InlineData("SIGTERM:5", 15, 5.0)]
    [InlineData("term:0.5", 15, 0.5)]
    [InlineData("10:0", 10, 0.0)]
    public void DelaySignalTakesASignalAndSeconds(string text, int signal, double seconds) =>
        Assert.Equal(new SignalDelay(signal, TimeSpan.FromSeconds(seconds)), SignalDelay.Parse(text));

    [Theory]
    [InlineData("SIGTERM")]
    [InlineData("SIGTERM:")]
    [InlineData("SIGTERM:-1")]
    [InlineData("SIGTERM:1e3")]
    [InlineData("SIGKILL:1")]
    [InlineData("SIGCHLD:1")]
    [InlineData("SIGTERM:1:2")]
    public void DelaySignalRefusesWhatInitDoesNotForwardOrNoTime(string text) => Assert.Null(SignalDelay.Parse(text));

    [Theory]
    [InlineData("SIGTERM:SIGQUIT", 15, 3)]
    [InlineData("USR1:0", 10, 0)]
    [InlineData("15:KILL", 15, 9)]
    public void RewriteTakesTwoSignalsOrZero(string text, int from, int to) =>
        Assert.Equal(new SignalRewrite(from, to), SignalRewrite.Parse(text));

    [Theory]
    [InlineData("SIGSEGV:SIGTERM")]
    [InlineData("SIGTERM:NOPE")]
    [InlineData("SIGTERM:65")]
    [InlineData("SIGTERM")]
    public void RewriteRefusesSignalsInitDoesNotTakeOrThatDoNotExist(string text) => Assert.Null(SignalRewrite.Parse(text));
}
