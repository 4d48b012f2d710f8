using System.Runtime.Versioning;
using ForkServer.Logging;
using ForkServer.Networking;

namespace ForkServer.UnitTests;

[SupportedOSPlatform("linux")]
public sealed class AcceptGateTests
{
    private static readonly EventLog Log = new(LogFormat.Text, quiet: true);

    [Fact]
    public void TheGateShutsAtTheLimitAndOpensBelowIt()
    {
        var gate = new AcceptGate(3, "children", Log);
        Assert.True(gate.IsOpen(2));
        Assert.False(gate.IsOpen(3));
        Assert.False(gate.IsOpen(3, zombies: 3));
        Assert.True(gate.IsOpen(2));
    }

    [Fact]
    public void RunningOutOfDescriptorsPausesAcceptingForTheBackoffOnly()
    {
        var gate = new AcceptGate(10, "children", Log);
        Assert.Equal(-1, gate.WaitMilliseconds(-1));
        gate.OutOfResources("accept4 failed: EMFILE");
        Assert.False(gate.IsOpen(0));
        int wait = gate.WaitMilliseconds(-1);
        Assert.InRange(wait, 1, (int)AcceptGate.Backoff.TotalMilliseconds + 1);
        Assert.Equal(5, gate.WaitMilliseconds(5));
        Thread.Sleep(AcceptGate.Backoff + TimeSpan.FromMilliseconds(20));
        Assert.True(gate.IsOpen(0));
    }

    [Fact]
    public void ARateLetsNInAndShutsUntilTheFirstOfThemIsAnIntervalOld()
    {
        var gate = new AcceptGate(100, "children", Log, new ConnectionRate(3, TimeSpan.FromMilliseconds(300)));
        for (int i = 0; i < 3; i++)
        {
            Assert.True(gate.IsOpen(0));
            gate.Accepted();
        }
        Assert.False(gate.IsOpen(0));
        int wait = gate.WaitMilliseconds(-1);
        Assert.InRange(wait, 1, 301);
        Thread.Sleep(wait + 50);
        Assert.True(gate.IsOpen(0));
    }
}
