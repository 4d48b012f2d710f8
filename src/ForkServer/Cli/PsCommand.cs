using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Runtime.Versioning;
using ForkServer.Processes;

namespace ForkServer.Cli;

/// <summary>
/// <c>forkserver ps [--pid N]</c>: a running server's children as /proc shows them (pid, state, age, client),
/// redrawn every second at a terminal and printed once when piped. This runs in its own process and never forks,
/// so it may use Console freely.
/// </summary>
public static class PsCommand
{
    private const string Red = "\e[1;31m";
    private const string Reset = "\e[0m";
    private const string ClearScreen = "\e[H\e[2J";

    public static Command Create()
    {
        var pid = OptionRules.OptionalWholeNumber("--pid", "The server's pid (needed only when more than one forkserver is serving)", 1, int.MaxValue);
        var command = new Command("ps", "List a running server's children: pid, state, age, client; zombies stand out") { pid };
        command.SetAction(parsed => OperatingSystem.IsLinux() ? Run(parsed.GetValue(pid)) : NeedsLinux());
        return command;
    }

    private static int NeedsLinux()
    {
        Console.Error.WriteLine("forkserver ps: needs Linux (it reads /proc)");
        return ExitCodes.CannotStart;
    }

    [SupportedOSPlatform("linux")]
    private static int Run(int? requested)
    {
        int server;
        try
        {
            server = requested is { } pid ? CheckServer(pid) : FindServer();
        }
        catch (InvalidOperationException e)
        {
            Console.Error.WriteLine($"forkserver ps: {e.Message}");
            return ExitCodes.CannotStart;
        }
        bool live = !Console.IsOutputRedirected;
        for (bool first = true; ; first = false)
        {
            if (ProcStat.Read(server) is not { } stat || stat.IsZombie)
            {
                Console.Error.WriteLine(first ? $"forkserver ps: no process {server} is running" : $"forkserver ps: server {server} has exited");
                return first ? ExitCodes.CannotStart : ExitCodes.Ok;
            }
            string table = Render(stat, live);
            if (!live)
            {
                Console.Write(table);
                return ExitCodes.Ok;
            }
            Console.Write(ClearScreen + table + "\n(refreshing every second; Ctrl-C to stop)\n");
            Thread.Sleep(1000);
        }
    }

    [SupportedOSPlatform("linux")]
    private static string Render(ProcStat server, bool color)
    {
        var children = ProcStat.ChildrenOf(server.Pid);
        int zombies = children.Count(c => c.IsZombie);
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture,
            $"server {server.Pid}: {Printable.Of(ProcStat.CommandLine(server.Pid))}\n{children.Count} children, {zombies} zombies ({DateTime.Now:HH:mm:ss})\n");
        text.Append(ChildRow.Header).Append('\n');
        foreach (var child in children)
        {
            // A zombie has closed every descriptor: its client is unknown, and ps would call it <defunct>.
            string client = child.IsZombie ? "<defunct>" : ProcSockets.PeerOf(child.Pid) ?? "-";
            string row = new ChildRow(child.Pid, child.StateName, child.Age, client).Format();
            text.Append(color && child.IsZombie ? Red + row + Reset : row).Append('\n');
        }
        return text.ToString();
    }

    /// <summary>The pid the user named, if it is a ForkServer server; what it is instead, if not.</summary>
    [SupportedOSPlatform("linux")]
    private static int CheckServer(int pid)
    {
        if (ProcStat.Read(pid) is not { } stat)
        {
            return pid;
        }
        if (!IsServer(stat))
        {
            throw new InvalidOperationException(
                $"process {pid} ({Printable.Of(stat.Comm)}) is not a ForkServer server; leave out --pid to find the one running, or name the pid of forkserver serve");
        }
        return pid;
    }

    /// <summary>
    /// A process named forkserver, run as a server, and not a child of one (a spawned child runs the same program);
    /// its parent may be another forkserver that is not a server, <c>forkserver init</c>.
    /// </summary>
    [SupportedOSPlatform("linux")]
    private static bool IsServer(ProcStat process) =>
        process.Comm == "forkserver" && !process.IsZombie && IsServeCommand(ProcStat.CommandLine(process.Pid))
        && (ProcStat.Read(process.PPid) is not { Comm: "forkserver" } parent || !IsServeCommand(ProcStat.CommandLine(parent.Pid)));

    /// <summary>
    /// The one forkserver that serves: a process named forkserver, run as <c>forkserver serve</c> or with no command,
    /// whose parent is not a forkserver too (that would be one of its children).
    /// </summary>
    [SupportedOSPlatform("linux")]
    private static int FindServer()
    {
        var servers = ProcStat.All().Where(IsServer).Select(p => p.Pid).ToList();
        return servers switch
        {
            [var one] => one,
            [] => throw new InvalidOperationException("no forkserver is running; start one (forkserver serve) or name it with --pid"),
            _ => throw new InvalidOperationException($"several forkservers are running ({string.Join(", ", servers)}); choose one with --pid"),
        };
    }

    /// <summary>"forkserver", "forkserver serve ...", "forkserver exec ..." or "forkserver --port 1 ...": the command line of a server.</summary>
    private static bool IsServeCommand(string commandLine) =>
        commandLine.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).FirstOrDefault() is null or "serve" or "exec" or ['-', ..];
}
