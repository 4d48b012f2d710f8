using System.CommandLine;

namespace ForkServer.Demos;

/// <summary>The <c>--hold SECONDS</c> every lifecycle demo takes: how long it keeps its interesting state alive.</summary>
public static class Hold
{
    public static Option<double> Option(string what)
    {
        var hold = new Option<double>("--hold") { Description = $"Seconds to keep {what} alive, so you can look with ps in another terminal", DefaultValueFactory = _ => 10 };
        hold.Validators.Add(result =>
        {
            if (result.GetValue(hold) < 0)
            {
                result.AddError("--hold cannot be negative");
            }
        });
        return hold;
    }

    /// <summary>The ps command that shows one process the way the demos describe it.</summary>
    public static string PsCommand(int pid) => $"ps -o pid,ppid,stat,cmd -p {pid}";
}
