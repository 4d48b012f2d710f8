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

    /// <summary>
    /// Under NativeAOT our code runs from 5 descriptors up: at each limit where the start runs out (the listening
    /// socket, the signalfd, the warm-up's loopback client, the warm-up's accept) it says so in one line, with the
    /// errno and how to raise the limit, and exits 2; above them it serves, with nothing on standard error. The fork
    /// model's warm-up once served the accept's -EMFILE as a descriptor (setsockopt failed: EBADF, exit 1); prefork's
    /// logged it as a worker's and started anyway.
    /// </summary>
    [Theory]
    [InlineData("fork")]
    [InlineData("prefork")]
    public void EveryLowLimitOnOpenFilesIsOneLineNamingEmfileAndHowToRaiseIt(string model)
    {
        Assert.SkipUnless(File.Exists("/usr/bin/prlimit"), "needs prlimit (util-linux)");
        string server = Binaries.ServerFor(Build.Aot);
        for (int limit = 5; limit <= 12; limit++)
        {
            using var run = ServerProcess.Launch("/usr/bin/prlimit", [$"--nofile={limit}", server, "--model", model, "--port", "0"]);
            string line = run.WaitForLine(l => l.Contains("listening on") || l.Contains("forkserver: "), TimeSpan.FromSeconds(30));
            if (line.Contains("listening on"))
            {
                Assert.True(run.Errors.Count == 0, $"limit {limit}: {run.Transcript()}");
                continue;
            }
            Assert.True(run.WaitForExit(TimeSpan.FromSeconds(20)) == 2, $"limit {limit}: {run.Transcript()}");
            string error = Assert.Single(run.Errors, l => l.Length > 0);
            Assert.Contains("EMFILE (Too many open files)", error);
            Assert.EndsWith($"; the limit on open files is {limit}: raise it (ulimit -n 1024)", error);
        }
    }
}
