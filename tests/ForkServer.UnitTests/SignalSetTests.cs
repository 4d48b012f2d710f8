using ForkServer.Interop;
using ForkServer.Supervision;

namespace ForkServer.UnitTests;

[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class SignalSetTests
{
    [Fact]
    public void SignalsAreTakenInNumberOrder()
    {
        var set = SignalSet.Of(Signals.SIGTERM, Signals.SIGHUP, Signals.SIGCHLD);
        var order = new List<int>();
        for (var rest = set; !rest.IsEmpty; rest = rest.Except(SignalSet.Of(rest.First)))
        {
            order.Add(rest.First);
        }
        Assert.Equal([Signals.SIGHUP, Signals.SIGTERM, Signals.SIGCHLD], order);
        Assert.Equal("SIGHUP SIGTERM SIGCHLD", set.ToString());
    }

    [Theory]
    [InlineData("TERM", Signals.SIGTERM)]
    [InlineData("sigkill", Signals.SIGKILL)]
    [InlineData("15", Signals.SIGTERM)]
    [InlineData("SIGUSR1", Signals.SIGUSR1)]
    public void NamesAndNumbersParse(string text, int signal) => Assert.Equal(signal, Signals.Parse(text));

    [Theory]
    [InlineData("NOPE")]
    [InlineData("0")]
    [InlineData("65")]
    [InlineData("-1")]
    public void OthersDoNot(string text) => Assert.Null(Signals.Parse(text));

    [Fact]
    public void EverySignalHasOneMeaningAndTheFunnelTakesNoProgramErrorSignal()
    {
        Assert.Equal(SignalMeaning.Stop, SignalMeanings.Of(Signals.SIGTERM));
        Assert.Equal(SignalMeaning.Stop, SignalMeanings.Of(Signals.SIGINT));
        Assert.Equal(SignalMeaning.StopNow, SignalMeanings.Of(Signals.SIGQUIT));
        Assert.Equal(SignalMeaning.Reload, SignalMeanings.Of(Signals.SIGHUP));
        Assert.Equal(SignalMeaning.Status, SignalMeanings.Of(Signals.SIGUSR1));
        Assert.Equal(SignalMeaning.Ignored, SignalMeanings.Of(Signals.SIGUSR2));
        foreach (int synchronous in new[] { Signals.SIGSEGV, Signals.SIGBUS, Signals.SIGFPE, Signals.SIGILL, Signals.SIGABRT, Signals.SIGTRAP, Signals.SIGPIPE })
        {
            Assert.False(SignalFunnel.Handled.Contains(synchronous), Signals.Name(synchronous));
        }
    }

    [Fact]
    public void ASecondStopSignalOrQuitMakesTheStopImmediate()
    {
        var stop = new StopRequest();
        Assert.True(stop.Ask(Signals.SIGTERM, now: false));
        Assert.False(stop.Now);
        Assert.False(stop.Ask(Signals.SIGINT, now: false));
        Assert.True(stop.Now);
        Assert.Equal("second signal", stop.Urgency);
        var quit = new StopRequest();
        quit.Ask(Signals.SIGQUIT, now: true);
        Assert.Equal("SIGQUIT", quit.Urgency);
    }
}
