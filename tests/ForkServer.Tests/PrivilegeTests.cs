using ForkServer.Tests.Support;

namespace ForkServer.Tests;

/// <summary>Root only to bind: --user drops to that user before serving, and root is refused on public addresses.</summary>
[Trait("Category", "Linux")]
[Trait("Category", "Reliability")]
public sealed class PrivilegeTests
{
    [Fact]
    public void UserNobodyRunsParentAndChildrenAsNobody()
    {
        Assert.SkipUnless(ProcFs.IsRoot, "starting as root is what --user is for");
        using var server = ServerProcess.Start("--user", "nobody", "--log", "json");
        Assert.All(ProcFs.Uids(server.Pid), uid => Assert.Equal(65534, uid));
        using var client = new TcpClientSession(server.Port);
        Assert.Equal("you send:who", client.Exchange("who", "you send:who"));
        var child = Assert.Single(ProcFs.ChildrenOf(server.Pid));
        Assert.All(ProcFs.Uids(child.Pid), uid => Assert.Equal(65534, uid));
        Figures.Record("user-nobody", "--user nobody when started as root",
            new Dictionary<string, object> { ["parent_uid"] = ProcFs.Uids(server.Pid)[1], ["child_uid"] = ProcFs.Uids(child.Pid)[1] });
    }

    [Fact]
    public void RootOnAPublicAddressIsRefusedBeforeBinding()
    {
        Assert.SkipUnless(ProcFs.IsRoot, "the refusal is for root");
        using var server = ServerProcess.Launch(Binaries.Server, ["--host", "0.0.0.0", "--port", "0"]);
        Assert.Equal(2, server.WaitForExit(TimeSpan.FromSeconds(20)));
        string error = Assert.Single(server.Errors, l => l.Length > 0);
        Assert.Contains("refusing to serve 0.0.0.0 as root", error);
        Assert.Contains("--user", error);
    }

    [Fact]
    public void UnknownUserIsSaidSo()
    {
        Assert.SkipUnless(ProcFs.IsRoot, "--user is checked when started as root");
        using var server = ServerProcess.Launch(Binaries.Server, ["--user", "no-such-user-here", "--port", "0"]);
        Assert.Equal(2, server.WaitForExit(TimeSpan.FromSeconds(20)));
        Assert.Contains(server.Errors, l => l.Contains("--user no-such-user-here: no such user"));
    }
}
