using System.Runtime.Versioning;
using ForkServer.Cli;
using ForkServer.Interop;

namespace ForkServer.Init;

/// <summary>Where COMMAND is, found once before the fork as execvp(3) would find it, so that a typo is one line at start.</summary>
[SupportedOSPlatform("linux")]
public static class CommandPath
{
    /// <summary>execvp's search path when PATH is not set.</summary>
    private const string DefaultPath = "/bin:/usr/bin";

    /// <summary>
    /// <paramref name="command"/> itself when it has a slash, else the first executable file of that name in a PATH
    /// directory; null when there is none, with <paramref name="why"/> saying so.
    /// </summary>
    public static string? Resolve(string command, out string why)
    {
        string search = Environment.GetEnvironmentVariable("PATH") ?? DefaultPath;
        var candidates = command.Contains('/')
            ? [command]
            : search.Split(':').Select(directory => Path.Join(directory.Length == 0 ? "." : directory, command)).ToList();
        string shown = Printable.Of(command);
        if (command.Length == 0)
        {
            why = "COMMAND is empty";
            return null;
        }
        if (candidates.FirstOrDefault(c => File.Exists(c) && Posix.CanExecute(c) == 0) is { } found)
        {
            why = "";
            return found;
        }
        why = candidates.FirstOrDefault(File.Exists) is { } file
            ? $"cannot run '{Printable.Of(file)}': permission denied (not executable)"
            : Directory.Exists(command) && command.Contains('/')
                ? $"cannot run '{shown}': it is a directory"
                : command.Contains('/')
                    ? $"cannot run '{shown}': no such file"
                    : $"cannot run '{shown}': not found in PATH ({Printable.Of(search)})";
        return null;
    }
}
