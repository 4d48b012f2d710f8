using System.Collections.Concurrent;
using System.Diagnostics;
using ForkServer.Tests.Support;

namespace ForkServer.Tests;

/// <summary>
/// The log never decides whether the server lives: with its reader gone (<c>| head -n 3</c>), with standard output
/// closed, or with a pipe nobody reads, the server serves 100 more clients, reaps them, and stops within --grace.
/// </summary>
[Trait("Category", "Linux")]
[Trait("Category", "Reliability")]
public sealed class LogOutputTests
{
    private const int Clients = 100;

    /// <summary>Every JSON event names each key once: a reader that keeps the last or the first value must not see two.</summary>
    [Theory]
    [InlineData("fork")]
    [InlineData("prefork")]
    [InlineData("select")]
    public void EachJsonEventNamesEachKeyOnce(string model)
    {
        using var server = ServerProcess.Start("--model", model, "--log", "json");
        using (var client = new TcpClientSession(server.Port))
        {
            Assert.Equal("you send:k", client.Exchange("k", "you send:k"));
        }
        server.Signal(ProcFs.SIGTERM);
        Assert.Equal(0, server.WaitForExit(TimeSpan.FromSeconds(20)));
        foreach (string line in server.Output.Concat(server.Errors).Where(l => l.StartsWith('{')))
        {
            var keys = System.Text.Json.JsonDocument.Parse(line).RootElement.EnumerateObject().Select(p => p.Name).ToList();
            Assert.True(keys.Count == keys.Distinct().Count(), line);
        }
    }

    [Fact]
    public void TheLogsReaderGoneTheServerServesOnAndSaysSoOnceOnStandardError()
    {
        int port = ClosedPort.Tcp();
        // The server's exit status is the first of the pipeline's. head prints its three lines when it exits.
        using var pipeline = ServerProcess.Launch("/bin/bash",
            ["-c", "\"$0\" \"$@\" | head -n 3; echo \"server-exit ${PIPESTATUS[0]}\" >&2", Binaries.Server, "--port", port.ToString(), "--grace", "5"]);
        Assert.True(Wait.Until(() => Connects(port), TimeSpan.FromSeconds(30)), $"never listened:\n{pipeline.Transcript()}");
        int server = Assert.Single(ProcFs.ChildrenOf(pipeline.Pid), c => c.Comm == "forkserver").Pid;

        ServeOneByOne(port, Clients);
        Assert.True(Wait.Until(() => ProcFs.ChildrenOf(server).Count == 0, TimeSpan.FromSeconds(10)), "children left unreaped");
        Assert.True(Wait.Until(() => pipeline.Output.Count == 3, TimeSpan.FromSeconds(10)), pipeline.Transcript());
        Assert.Contains("listening on", pipeline.Output.First());
        // The line comes on standard error, read by a thread of its own: maybe after the last of the output.
        const string Failure = "the log cannot be written to standard output (write failed: EPIPE";
        Assert.True(Wait.Until(() => pipeline.Errors.Any(l => l.Contains(Failure)), TimeSpan.FromSeconds(10)), pipeline.Transcript());
        Assert.Single(pipeline.Errors, l => l.Contains(Failure));

        StopWithinGrace(server, pipeline, () => pipeline.Errors.Any(l => l.StartsWith("server-exit")));
        Assert.Contains("server-exit 0", pipeline.Errors);
        Assert.Contains(pipeline.Errors, l => l.Contains("stopped: served") && l.Contains("log lines could not be written"));
    }

    [Fact]
    public void WithStandardOutputClosedTheServerServesAndStops()
    {
        int port = ClosedPort.Tcp();
        using var server = ServerProcess.Launch("/bin/bash",
            ["-c", "exec \"$0\" \"$@\" >&-", Binaries.Server, "--port", port.ToString(), "--quiet", "--grace", "5"]);
        Assert.True(Wait.Until(() => Connects(port), TimeSpan.FromSeconds(30)), $"never listened:\n{server.Transcript()}");

        ServeOneByOne(port, Clients);
        Assert.True(Wait.Until(() => ProcFs.ChildrenOf(server.Pid).Count == 0, TimeSpan.FromSeconds(10)), "children left unreaped");

        StopWithinGrace(server.Pid, server, () => server.HasExited);
        Assert.Equal(0, server.ExitCode);
        // Quiet, it had only its summary to write: that is the line that found standard output closed, and went to standard error.
        Assert.Single(server.Errors, l => l.Contains("the log cannot be written to standard output (write failed: EBADF"));
        Assert.Contains(server.Errors, l => l.Contains("stopped: served") && l.Contains("1 log lines could not be written"));
    }

    [Fact]
    public void APipeNobodyReadsNeverStallsAcceptReapOrStop()
    {
        int port = ClosedPort.Tcp();
        // Standard output is a pipe this test never reads from; standard error is read as usual.
        var info = new ProcessStartInfo(Binaries.Server, ["--port", port.ToString(), "--log", "json", "--grace", "5"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var server = Process.Start(info)!;
        var errors = new ConcurrentQueue<string>();
        server.ErrorDataReceived += (_, e) => { if (e.Data is not null) errors.Enqueue(e.Data); };
        server.BeginErrorReadLine();
        try
        {
            Assert.True(Wait.Until(() => Connects(port), TimeSpan.FromSeconds(30)), "never listened");
            // Several MiB of JSON events: far more than the pipe holds.
            var (exitCode, result) = BenchCommandTests.Bench(port, "--connections", "4000", "--concurrency", "4", "--timeout", "30");
            Assert.Equal(0, exitCode);
            Assert.Equal(4000, result.GetProperty("ok").GetInt32());
            Assert.True(Wait.Until(() => errors.Any(l => l.Contains("the log cannot be written to standard output (write failed: EAGAIN")), TimeSpan.FromSeconds(10)),
                $"the pipe never filled: {string.Join('\n', errors)}");

            ServeOneByOne(port, Clients);
            Assert.True(Wait.Until(() => ProcFs.ChildrenOf(server.Id).Count == 0, TimeSpan.FromSeconds(10)), "children left unreaped");
            ProcFs.Kill(server.Id, ProcFs.SIGTERM);
            Assert.True(server.WaitForExit(TimeSpan.FromSeconds(5 + 5)), "SIGTERM did not stop the server within --grace");
            // With a timeout, WaitForExit does not wait for the last lines of standard error to be handed over (seen under
            // load: the summary line missing); without one, it does, and the process has exited.
            server.WaitForExit();
            Assert.Equal(0, server.ExitCode);
            Assert.Single(errors, l => l.Contains("the log cannot be written"));
            // The probes that waited for the port were clients too.
            Assert.Contains(errors, l => System.Text.RegularExpressions.Regex.Match(l, @"stopped: served (\d+) clients") is { Success: true } m && int.Parse(m.Groups[1].Value) >= 4100);
        }
        finally
        {
            if (!server.HasExited)
            {
                server.Kill(entireProcessTree: true);
            }
        }
    }

    private static void ServeOneByOne(int port, int count)
    {
        for (int i = 0; i < count; i++)
        {
            using var client = new TcpClientSession(port);
            Assert.Equal($"you send:{i}", client.Exchange($"{i}", $"you send:{i}"));
        }
    }

    /// <summary>SIGTERM to <paramref name="pid"/>; the run (which may be a shell around it) ends within the grace time of 5 s and a margin.</summary>
    private static void StopWithinGrace(int pid, ServerProcess run, Func<bool> ended)
    {
        ProcFs.Kill(pid, ProcFs.SIGTERM);
        Assert.True(Wait.Until(ended, TimeSpan.FromSeconds(5 + 5)), $"not stopped within the grace time:\n{run.Transcript()}");
        run.WaitForExit(TimeSpan.FromSeconds(10));
    }

    private static bool Connects(int port)
    {
        try
        {
            using var probe = new TcpClientSession(port);
            return true;
        }
        catch (System.Net.Sockets.SocketException)
        {
            return false;
        }
    }
}
