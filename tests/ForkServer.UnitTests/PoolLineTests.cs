using ForkServer.Models;

namespace ForkServer.UnitTests;

public sealed class PoolLineTests
{
    [Fact]
    public void ChildrenBackFromAClientComeFirstLastBackOnTopThenThoseStartedOldestFirst()
    {
        var line = new PoolLine(size: 2, clientsPerChild: 10);
        line.Started(101);
        line.Started(102);
        line.Started(103);
        Assert.Equal(101, line.Take(out _));
        Assert.Equal(102, line.Take(out _));
        Assert.Equal(true, line.Return(101));
        Assert.Equal(true, line.Return(102));
        Assert.Equal(102, line.Take(out _));
        Assert.Equal(101, line.Take(out _));
        Assert.Equal(103, line.Take(out bool last));
        Assert.False(last);
        Assert.Equal(0, line.Take(out _));
        Assert.Equal(3, line.Returning);
    }

    [Fact]
    public void AChildGivenItsLastClientLeavesThePoolAndIsNotTakenBack()
    {
        var line = new PoolLine(size: 1, clientsPerChild: 2);
        line.Started(7);
        Assert.Equal(7, line.Take(out bool first));
        Assert.False(first);
        Assert.Equal(true, line.Return(7));
        Assert.Equal(7, line.Take(out bool second));
        Assert.True(second);
        Assert.Equal(0, line.Returning);
        Assert.Null(line.Return(7));
        Assert.False(line.Forget(7));
    }

    [Fact]
    public void AChildThatComesBackWhenTwiceTheSizeWaitIsToldToGo()
    {
        var line = new PoolLine(size: 1, clientsPerChild: 100);
        line.Started(1);
        Assert.Equal(1, line.Take(out _));
        line.Started(2);
        line.Started(3);
        Assert.False(line.NeedsChild);
        Assert.Equal(false, line.Return(1));
        Assert.Equal(2, line.Waiting);
        Assert.Null(line.Return(1));
    }

    [Fact]
    public void NoChildIsNeededWhileOneWaitsOrEnoughWillComeBack()
    {
        var line = new PoolLine(size: 2, clientsPerChild: 100);
        Assert.True(line.NeedsChild);
        line.Started(1);
        line.Started(2);
        Assert.False(line.NeedsChild);
        line.Take(out _);
        Assert.True(line.NeedsChild);
        line.Started(3);
        line.Take(out _);
        line.Take(out _);
        // Three serve and will be back: with the one started now, four, twice the size.
        line.Started(4);
        Assert.False(line.NeedsChild);
    }

    [Fact]
    public void AForgottenChildIsSkippedAndNoLongerCounted()
    {
        var line = new PoolLine(size: 2, clientsPerChild: 1);
        line.Started(1);
        line.Started(2);
        Assert.True(line.Forget(1));
        Assert.Equal(1, line.Waiting);
        Assert.Equal(2, line.Take(out bool last));
        Assert.True(last);
        Assert.Equal(0, line.Take(out _));
        Assert.False(line.Forget(1));
    }
}
