using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;

namespace ForkServer.Tests.Support;

/// <summary>
/// The tutorial's programs written the tutorial's way in Python 3 (tests/ForkServer.Tests/TutorialPeers, each with
/// its usage in its docstring), and a way to run any program and keep its output byte for byte: the tutorial's
/// prompts have no line ending, so lines would lose what the test compares.
/// </summary>
public static partial class TutorialPeer
{
    private static string Script(string name) => Path.Combine(Binaries.RepoRoot, "tests", "ForkServer.Tests", "TutorialPeers", name);

    public static bool PythonInstalled { get; } = File.Exists("/usr/bin/python3") || File.Exists("/usr/local/bin/python3")
        || (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Any(d => File.Exists(Path.Combine(d, "python3")));

    /// <summary>Starts a tutorial server on a port the kernel picks, to serve <paramref name="clients"/> clients and exit.</summary>
    public static ServerProcess Server(string script, int clients)
    {
        var server = ServerProcess.Launch("python3", [Script(script), "0", clients.ToString()]);
        string ready = server.WaitForLine(l => l.StartsWith("ready "), TimeSpan.FromSeconds(30));
        server.SetPort(int.Parse(ReadyPort().Match(ready).Groups[1].Value));
        return server;
    }

    /// <summary>Runs a tutorial client against 127.0.0.1:<paramref name="port"/> with this standard input.</summary>
    public static RawRun Client(string script, int port, string input) => RawRun.Of("python3", [Script(script), port.ToString()], input);

    [GeneratedRegex(@"ready 127\.0\.0\.1:(\d+)")]
    private static partial Regex ReadyPort();
}

/// <summary>A program run to its end with this standard input; its standard output exactly as it wrote it.</summary>
public sealed record RawRun(int ExitCode, string Output, string Errors)
{
    public static RawRun Of(string executable, IEnumerable<string> args, string input) => Of(executable, args, input, TimeSpan.FromSeconds(30));

    public static RawRun Of(string executable, IEnumerable<string> args, string input, TimeSpan timeout)
    {
        using var process = Process.Start(ServerProcess.Piped(executable, args))!;
        var stdout = new MemoryStream();
        var reading = process.StandardOutput.BaseStream.CopyToAsync(stdout);
        var errors = process.StandardError.ReadToEndAsync();
        process.StandardInput.Write(input);
        process.StandardInput.Close();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{executable} {string.Join(' ', args)} still running after {timeout.TotalSeconds} s");
        }
        reading.Wait(TimeSpan.FromSeconds(10));
        return new RawRun(process.ExitCode, Encoding.UTF8.GetString(stdout.ToArray()), errors.Result);
    }
}
