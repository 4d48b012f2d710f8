using System.Runtime.Versioning;
using ForkServer.Cli;
using ForkServer.Interop;

namespace ForkServer.Processes;

/// <summary>
/// Where a program to exec is, found once at start as execvp(3) would find it, for every command that runs another
/// program (exec, init): a program that cannot be run is one line and exit 2 at start, not a 127 for every child.
/// </summary>
[SupportedOSPlatform("linux")]
public static class ProgramPath
{
    /// <summary>execvp's search path when PATH is not set.</summary>
    private const string DefaultPath = "/usr/local/bin:/usr/bin:/bin";

    /// <summary>
    /// A name without '/' is looked up on PATH, a path is taken as it is; either way it must be a file this process
    /// may execute. Throws a <see cref="StartupException"/> that says why not.
    /// </summary>
    public static string Resolve(string program)
    {
        string shown = Printable.Of(program);
        if (program.Length == 0)
        {
            throw new StartupException("cannot run an empty program name");
        }
        if (program.Contains('/'))
        {
            return Runnable(program) is { } why ? throw new StartupException($"cannot run {shown}: {why}") : program;
        }
        string path = Environment.GetEnvironmentVariable("PATH") is { Length: > 0 } p ? p : DefaultPath;
        string? found = null;
        foreach (string directory in path.Split(':'))
        {
            string candidate = Path.Combine(directory.Length == 0 ? "." : directory, program);
            if (Runnable(candidate) is null)
            {
                return candidate;
            }
            found ??= File.Exists(candidate) ? candidate : null;
        }
        throw new StartupException(found is null
            ? $"cannot run {shown}: not found on PATH ({Printable.Of(path)})"
            : $"cannot run {shown}: {Printable.Of(found)} is not executable");
    }

    private static string? Runnable(string path)
    {
        if (Directory.Exists(path))
        {
            return "it is a directory";
        }
        int failed = Posix.CanExecute(path);
        return failed == 0 ? null : PosixException.Describe("execve", -failed);
    }
}
