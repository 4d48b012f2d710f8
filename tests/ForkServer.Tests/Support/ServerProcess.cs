using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace ForkServer.Tests.Support;

/// <summary>
/// A real forkserver process started for one test: its output is collected line by line, and it is stopped (with
/// SIGTERM, then SIGKILL for it and everything under it) when the test ends, however the test ends.
/// </summary>
public sealed partial class ServerProcess : IDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _stdout = new();
    private readonly ConcurrentQueue<string> _stderr = new();
    private readonly SemaphoreSlim _lineArrived = new(0);

    private ServerProcess(Process process)
    {
        _process = process;
        process.OutputDataReceived += (_, e) => Collect(_stdout, e.Data);
        process.ErrorDataReceived += (_, e) => Collect(_stderr, e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public int Pid => _process.Id;

    /// <summary>The port the server said it listens on.</summary>
    public int Port { get; private set; }

    /// <summary>For a server that names its port in its own words (the tutorial's programs).</summary>
    public void SetPort(int port) => Port = port;

    public IReadOnlyCollection<string> Output => _stdout;

    public IReadOnlyCollection<string> Errors => _stderr;

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    /// <summary>Starts the server and waits for its "listening" event. <c>--port 0</c> is added unless a port is given.</summary>
    public static ServerProcess Start(params string[] args) => Start(Build.Jit, args);

    public static ServerProcess Start(Build build, params string[] args) => StartUnder([], build, args);

    /// <summary>
    /// Starts the server under a wrapper command (setpriv, prlimit, unshare...) that execs it, so the pid is still
    /// the server's.
    /// </summary>
    public static ServerProcess StartUnder(string[] wrapper, Build build, params string[] args)
    {
        string[] command = [.. wrapper, Binaries.ServerFor(build), .. args.Contains("--port") ? args : [.. args, "--port", "0"]];
        var server = Launch(command[0], command[1..]);
        try
        {
            string line = server.WaitForLine(l => l.Contains("listening on"), TimeSpan.FromSeconds(30));
            server.Port = int.Parse(ListeningPort().Match(line).Groups[1].Value);
            return server;
        }
        catch
        {
            server.Dispose();
            throw;
        }
    }

    /// <summary>Starts an executable with arguments and collects its output, without waiting for anything.</summary>
    public static ServerProcess Launch(string executable, IEnumerable<string> args) => new(Process.Start(Piped(executable, args))!);

    /// <summary>A start with every standard stream a pipe the test holds, and the arguments passed as they are.</summary>
    public static ProcessStartInfo Piped(string executable, IEnumerable<string> args)
    {
        var info = new ProcessStartInfo(executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (string arg in args)
        {
            info.ArgumentList.Add(arg);
        }
        return info;
    }

    public StreamWriter StandardInput => _process.StandardInput;

    /// <summary>Waits for the first output line (standard output or error) that matches, or fails the test.</summary>
    public string WaitForLine(Func<string, bool> match, TimeSpan timeout)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            if (_stdout.Concat(_stderr).FirstOrDefault(match) is { } line)
            {
                return line;
            }
            if (deadline.Elapsed > timeout)
            {
                throw new TimeoutException($"no matching line within {timeout.TotalSeconds} s; output so far:\n{Transcript()}");
            }
            if (_process.HasExited)
            {
                // Its output is all read once WaitForExit returns: one more look, then no line can come.
                _process.WaitForExit();
                if (_stdout.Concat(_stderr).FirstOrDefault(match) is { } last)
                {
                    return last;
                }
                throw new InvalidOperationException($"process {Pid} exited with status {_process.ExitCode} without the line; output:\n{Transcript()}");
            }
            _lineArrived.Wait(TimeSpan.FromMilliseconds(100));
        }
    }

    /// <summary>The JSON events (<c>--log json</c>) the server printed so far with this event name.</summary>
    public List<JsonElement> Events(string name) => Named(_stdout, name);

    /// <summary>The JSON events the server wrote to standard error (the log's errors: holding back, refusing).</summary>
    public List<JsonElement> ErrorEvents(string name) => Named(_stderr, name);

    /// <summary>
    /// Under <c>--rate COUNT/1</c>, a burst of <paramref name="total"/> clients, all served: any COUNT apart were
    /// accepted a second apart at least, and the one episode of holding back was logged once. The log's time is taken a
    /// little after each accept, later when the machine is loaded (65 ms seen in CI's container, 229 ms for a prefork
    /// worker with the machine busy): 400 ms of jitter are allowed. With the whole burst taking at least its count of
    /// intervals less one (less the jitter), a gate that lets more through than COUNT a second still fails one of the two.
    /// </summary>
    public void AssertAcceptedAtMost(int count, int total)
    {
        Assert.True(Wait.Until(() => Events("accepted").Count == total, TimeSpan.FromSeconds(10)), Transcript());
        var times = Events("accepted").Select(e => e.GetProperty("time").GetDateTimeOffset()).Order().ToList();
        Assert.Equal(total, times.Count);
        for (int i = count; i < times.Count; i++)
        {
            Assert.True(times[i] - times[i - count] >= TimeSpan.FromMilliseconds(600), $"clients {i - count} and {i} accepted {(times[i] - times[i - count]).TotalMilliseconds} ms apart");
        }
        Assert.True(times[^1] - times[0] >= TimeSpan.FromSeconds(total / count - 1.4));
        Assert.Single(ErrorEvents("holding"), e => e.GetProperty("reason").GetString() == "Rate");
    }

    private static List<JsonElement> Named(IEnumerable<string> lines, string name) =>
        [.. lines.Where(l => l.StartsWith('{')).Select(l => JsonDocument.Parse(l).RootElement)
            .Where(e => e.GetProperty("event").GetString() == name)];

    /// <summary>Waits until the server has exited on its own; returns its exit code.</summary>
    public int WaitForExit(TimeSpan timeout)
    {
        if (!_process.WaitForExit(timeout))
        {
            throw new TimeoutException($"process {Pid} still running after {timeout.TotalSeconds} s; output:\n{Transcript()}");
        }
        _process.WaitForExit();
        return _process.ExitCode;
    }

    public void Signal(int signal) => ProcFs.Kill(Pid, signal);

    public string Transcript() => string.Join('\n', _stdout) + "\n--- stderr ---\n" + string.Join('\n', _stderr);

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            var tree = ProcFs.Descendants(Pid);
            Signal(ProcFs.SIGTERM);
            if (!_process.WaitForExit(TimeSpan.FromSeconds(15)))
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit();
            }
            // Whatever the server left behind is killed too, so one failed test cannot haunt the next.
            foreach (int pid in tree.Concat(ProcFs.Descendants(Pid)))
            {
                ProcFs.Kill(pid, ProcFs.SIGKILL);
            }
        }
        _process.Dispose();
    }

    private void Collect(ConcurrentQueue<string> lines, string? line)
    {
        if (line is not null)
        {
            lines.Enqueue(line);
            _lineArrived.Release();
        }
    }

    [GeneratedRegex(@"listening on .*:(\d+)")]
    private static partial Regex ListeningPort();
}
