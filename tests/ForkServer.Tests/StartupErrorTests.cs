using System.Diagnostics;
using ForkServer.Tests.Support;

namespace ForkServer.Tests;

/// <summary>A server that cannot start says why in one line and exits with status 2.</summary>
[Trait("Category", "Linux")]
public sealed class StartupErrorTests
{
    [Fact]
    public void PortInUseIsOneLineNamingThePortAndExitCode2()
    {
        using var first = ServerProcess.Start();
        using var second = ServerProcess.Launch(Binaries.Server, ["--port", first.Port.ToString()]);
        Assert.Equal(2, second.WaitForExit(TimeSpan.FromSeconds(20)));
        string error = Assert.Single(second.Errors, l => l.Length > 0);
        Assert.Contains($"port {first.Port} is already in use", error);
        Assert.Contains("--port", error);
        Assert.DoesNotContain(second.Errors, l => l.Contains("   at "));
    }

    [Fact]
    public void PrivilegedPortWithoutPrivilegeNamesRootOrCapNetBindService()
    {
        string[] command;
        if (ProcFs.IsRoot)
        {
            // As root, run the server as nobody with no capabilities, as an unprivileged user would.
            Assert.SkipUnless(File.Exists("/usr/bin/setpriv"), "setpriv (util-linux) is needed to drop root for this test");
            command = ["/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all", Binaries.Server, "--port", "80"];
        }
        else
        {
            command = [Binaries.Server, "--port", "80"];
        }
        using var server = ServerProcess.Launch(command[0], command[1..]);
        Assert.Equal(2, server.WaitForExit(TimeSpan.FromSeconds(20)));
        string error = Assert.Single(server.Errors, l => l.Length > 0);
        Assert.Contains("below 1024", error);
        Assert.Contains("CAP_NET_BIND_SERVICE", error);
    }

    [Fact]
    public void UnknownHostIsSaidSo()
    {
        using var server = ServerProcess.Launch(Binaries.Server, ["--host", "no-such-host.invalid", "--port", "0"]);
        Assert.Equal(2, server.WaitForExit(TimeSpan.FromSeconds(30)));
        Assert.Contains(server.Errors, l => l.Contains("cannot resolve host 'no-such-host.invalid'"));
    }
}
