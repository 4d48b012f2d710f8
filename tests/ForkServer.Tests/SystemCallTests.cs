using System.Text.RegularExpressions;
using ForkServer.Tests.Support;

namespace ForkServer.Tests;

/// <summary>
/// What the processes that serve clients ask of the kernel per client, seen by strace(1) as the server's parent (it
/// follows every fork): the work the speed figures in docs/benchmarks.md count.
/// </summary>
[Trait("Category", "Linux")]
public sealed partial class SystemCallTests
{
    private const int Clients = 6;

    public static TheoryData<Build, string> Models => new() { { Build.Jit, "fork" }, { Build.Aot, "fork" }, { Build.Jit, "prefork" }, { Build.Aot, "prefork" } };

    /// <summary>
    /// The listener carries the idle timeouts and every accepted socket inherits them: no child or worker sets
    /// SO_RCVTIMEO or SO_SNDTIMEO for a client, and the timeout still holds (a silent client is told and closed).
    /// </summary>
    [Theory]
    [MemberData(nameof(Models))]
    public void NoChildOrWorkerSetsTheIdleTimeoutsForAClientYetASilentClientIsStillClosed(Build build, string model)
    {
        Assert.SkipUnless(File.Exists("/usr/bin/strace"), "strace is not installed");
        string trace = Path.Combine(Path.GetTempPath(), $"forkserver-syscalls-{Guid.NewGuid():N}.txt");
        try
        {
            string[] workers = model == "prefork" ? ["--workers", "2"] : [];
            using var server = ServerProcess.StartUnder(["/usr/bin/strace", "-f", "-qq", "-e", "trace=setsockopt", "-o", trace], build,
                ["--model", model, .. workers, "--idle-timeout", "1", "--log", "json"]);
            int forkserver = ProcFs.ChildrenOf(server.Pid).Single().Pid;
            for (int i = 0; i < Clients; i++)
            {
                using var client = new TcpClientSession(server.Port);
                Assert.Equal($"you send:client {i}", client.Exchange($"client {i}", $"you send:client {i}"));
            }
            using (var silent = new TcpClientSession(server.Port))
            {
                Assert.Equal("idle for 1 s: closing the connection\n", System.Text.Encoding.UTF8.GetString(silent.ReceiveToEnd()));
            }
            ProcFs.Kill(forkserver, ProcFs.SIGTERM);
            Assert.Equal(0, server.WaitForExit(TimeSpan.FromSeconds(20)));
            var lines = File.ReadAllLines(trace);
            var timeouts = lines.Where(l => TimeoutCall().IsMatch(l)).ToList();
            var byOthers = timeouts.Where(l => Pid(l) != forkserver).ToList();
            Assert.True(byOthers.Count == 0, $"children or workers set timeouts {byOthers.Count} times:\n{string.Join('\n', byOthers)}");
            // The listener's two, and the warm-up's sessions in the server (they run on a listener of their own).
            Assert.Contains(timeouts, l => l.Contains("SO_RCVTIMEO", StringComparison.Ordinal));
        }
        finally
        {
            File.Delete(trace);
        }
    }

    private static int Pid(string line) => int.Parse(line.AsSpan(0, line.IndexOf(' ')));

    [GeneratedRegex(@"^\d+ +setsockopt\(\d+, SOL_SOCKET, SO_(RCV|SND)TIMEO")]
    private static partial Regex TimeoutCall();
}
