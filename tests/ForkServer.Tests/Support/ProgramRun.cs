namespace ForkServer.Tests.Support;

/// <summary>A short-lived program run to its end with the given standard input, as a pipe would feed it.</summary>
public sealed record ProgramRun(int ExitCode, List<string> Output, List<string> Errors)
{
    public static ProgramRun Of(string executable, IEnumerable<string> args, string input = "")
    {
        using var process = ServerProcess.Launch(executable, args);
        process.StandardInput.Write(input);
        process.StandardInput.Close();
        int exitCode = process.WaitForExit(TimeSpan.FromSeconds(30));
        return new ProgramRun(exitCode, [.. process.Output], [.. process.Errors]);
    }

    /// <summary>forkclient with these arguments.</summary>
    public static ProgramRun Client(string input, params string[] args) => Of(Binaries.Client, args, input);

    public string Transcript() => $"exit {ExitCode}\n{string.Join('\n', Output)}\n--- stderr ---\n{string.Join('\n', Errors)}";
}
