using System.CommandLine;
using ForkServer.Cli;

namespace ForkServer.Demos;

/// <summary>The <c>--hold SECONDS</c> every lifecycle demo takes: how long it keeps its interesting state alive.</summary>
public static class Hold
{
    public static Option<double> Option(string what) =>
        OptionRules.Seconds("--hold", $"Seconds to keep {what} alive, so you can look with ps in another terminal", 10, 0, 24 * 3600);

    /// <summary>The ps command that shows one process the way the demos describe it.</summary>
    public static string PsCommand(int pid) => $"ps -o pid,ppid,stat,comm,cmd -p {pid}";
}
