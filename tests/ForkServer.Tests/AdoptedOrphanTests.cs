using System.Text.Json;
using ForkServer.Tests.Support;

namespace ForkServer.Tests;

/// <summary>
/// Orphans the server never forked: a session's child forks a grandchild and exits (<c>--leave-orphan</c>), and the
/// grandchild is re-parented to the server, as PID 1 of a PID namespace or as a subreaper; the server reaps it.
/// </summary>
[Trait("Category", "Linux")]
public sealed class AdoptedOrphanTests
{
    public static TheoryData<Build> Builds => [Build.Jit, Build.Aot];

    [Theory]
    [MemberData(nameof(Builds))]
    public void AsPid1TheServerReapsTheOrphanOfAChildAndStopsOnSigterm(Build build)
    {
        PidNamespace.SkipUnlessPermitted();
        using var wrapper = ServerProcess.StartUnder(PidNamespace.Unshare, build, "--leave-orphan", "2", "--log", "json");
        int server = ServerUnder(wrapper);
        Assert.Equal(1, ProcFs.NamespacePid(server));
        Assert.Equal(1, wrapper.Events("listening").Single().GetProperty("pid").GetInt32());
        Assert.Single(wrapper.Events("pid1"));

        int orphan = LeaveOrphan(wrapper);
        int hostOrphan = ProcFs.ChildrenOf(server).Single(c => ProcFs.NamespacePid(c.Pid) == orphan).Pid;
        Assert.NotEqual('Z', ProcFs.Read(hostOrphan)?.State);
        var reaped = WaitForEvent(wrapper, "reaped", e => e.GetProperty("child").GetInt32() == orphan);
        Assert.True(reaped.GetProperty("orphan").GetBoolean());
        Assert.Equal("exited with status 0", reaped.GetProperty("status").GetString());
        Assert.True(Wait.Until(() => ProcFs.Read(hostOrphan) is null, TimeSpan.FromSeconds(5)), $"orphan {hostOrphan} still there");
        Assert.Equal(0, ProcFs.ZombieChildren(server));

        // PID 1 gets no default action for SIGTERM: the server stops only because it handles it itself.
        ProcFs.Kill(server, ProcFs.SIGTERM);
        Assert.Equal(0, wrapper.WaitForExit(TimeSpan.FromSeconds(30)));
        Assert.Single(wrapper.Events("stopped"));
    }

    [Fact]
    public void AsPid1WithReapNoneTheAdoptedOrphanStaysAZombie()
    {
        PidNamespace.SkipUnlessPermitted();
        using var wrapper = ServerProcess.StartUnder(PidNamespace.Unshare, Build.Jit, "--reap", "none", "--leave-orphan", "0", "--log", "json");
        int server = ServerUnder(wrapper);
        int orphan = LeaveOrphan(wrapper);
        // The session's child and its orphan both end as zombies of PID 1, which never waits.
        Assert.True(Wait.Until(() => ProcFs.ZombieChildren(server) == 2, TimeSpan.FromSeconds(10)), $"saw {ProcFs.ZombieChildren(server)} zombies");
        Thread.Sleep(1500);
        var zombie = ProcFs.ChildrenOf(server).Single(c => ProcFs.NamespacePid(c.Pid) == orphan);
        Assert.Equal('Z', zombie.State);
        Assert.Empty(wrapper.Events("reaped"));
        ProcFs.Kill(server, ProcFs.SIGTERM);
        Assert.Equal(0, wrapper.WaitForExit(TimeSpan.FromSeconds(30)));
    }

    [Theory]
    [MemberData(nameof(Builds))]
    public void AsSubreaperTheServerAdoptsAndReapsTheOrphanOfAChild(Build build)
    {
        using var server = ServerProcess.Start(build, "--subreaper", "--leave-orphan", "2", "--log", "json");
        Assert.Single(server.Events("subreaper"));
        int orphan = LeaveOrphan(server);
        Assert.Equal(server.Pid, ProcFs.Read(orphan)?.PPid);
        var reaped = WaitForEvent(server, "reaped", e => e.GetProperty("child").GetInt32() == orphan);
        Assert.True(reaped.GetProperty("orphan").GetBoolean());
        Assert.True(Wait.Until(() => ProcFs.Read(orphan) is null, TimeSpan.FromSeconds(5)), $"orphan {orphan} still there");
    }

    [Fact]
    public void AsSubreaperWithReapNoneTheAdoptedOrphanStaysAZombie()
    {
        using var server = ServerProcess.Start("--subreaper", "--reap", "none", "--leave-orphan", "0", "--log", "json");
        int orphan = LeaveOrphan(server);
        Assert.True(Wait.Until(() => ProcFs.Read(orphan)?.State == 'Z', TimeSpan.FromSeconds(10)), $"orphan {orphan}: {ProcFs.Read(orphan)}");
        Thread.Sleep(1500);
        Assert.Equal(new ProcFs.Stat(orphan, "fs-orphan", 'Z', server.Pid), ProcFs.Read(orphan));
    }

    [Fact]
    public void AtShutdownTheSubreaperSignalsAndReapsTheOrphansItAdopted()
    {
        using var server = ServerProcess.Start("--subreaper", "--leave-orphan", "300", "--grace", "60", "--log", "json");
        int orphan = LeaveOrphan(server);
        Assert.Equal(server.Pid, ProcFs.Read(orphan)?.PPid);
        server.Signal(ProcFs.SIGTERM);
        Assert.Equal(0, server.WaitForExit(TimeSpan.FromSeconds(30)));
        Assert.Equal(1, Assert.Single(server.Events("stopping")).GetProperty("orphans").GetInt32());
        var reaped = Assert.Single(server.Events("reaped"), e => e.GetProperty("child").GetInt32() == orphan);
        Assert.Equal("killed by SIGTERM", reaped.GetProperty("status").GetString());
        Assert.Null(ProcFs.Read(orphan));
    }

    [Fact]
    public void WithoutSubreaperTheOrphanLeavesTheServersTree()
    {
        using var server = ServerProcess.Start("--leave-orphan", "2", "--log", "json");
        int orphan = LeaveOrphan(server);
        Assert.NotEqual(server.Pid, ProcFs.Read(orphan)?.PPid);
        Assert.DoesNotContain(server.Events("reaped"), e => e.GetProperty("child").GetInt32() == orphan);
        Assert.True(Wait.Until(() => ProcFs.Read(orphan) is null, TimeSpan.FromSeconds(15)), $"orphan {orphan} was not reaped by its new parent");
    }

    /// <summary>Runs one echo session; returns the pid (as the server sees it) of the orphan its child left, once adopted.</summary>
    private static int LeaveOrphan(ServerProcess server)
    {
        using (var client = new TcpClientSession(server.Port))
        {
            Assert.Equal("you send:hi", client.Exchange("hi", "you send:hi"));
            client.Send("q");
            Assert.True(client.ServerClosed(), "the session did not end on q");
        }
        return WaitForEvent(server, "orphaned", _ => true).GetProperty("orphan").GetInt32();
    }

    private static JsonElement WaitForEvent(ServerProcess server, string name, Func<JsonElement, bool> match)
    {
        Assert.True(Wait.Until(() => server.Events(name).Any(match), TimeSpan.FromSeconds(15)), $"no {name} event:\n{server.Transcript()}");
        return server.Events(name).First(match);
    }

    /// <summary>The server itself: the one child of unshare, which forked it into the new PID namespace.</summary>
    private static int ServerUnder(ServerProcess wrapper) => Assert.Single(ProcFs.ChildrenOf(wrapper.Pid)).Pid;
}
