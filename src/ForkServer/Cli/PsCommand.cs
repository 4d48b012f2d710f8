using System.CommandLine;
using System.Globalization;
using System.Text;
using ForkServer.Processes;
using ForkServer.Server;

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
        var pid = new Option<int?>("--pid") { Description = "The server's pid (needed only when more than one forkserver is serving)" };
        var command = new Command("ps", "List a running server's children: pid, state, age, client; zombies stand out") { pid };
        command.SetAction(parsed => Run(parsed.GetValue(pid)));
        return command;
    }

    private static int Run(int? requested)
    {
        int server;
        try
        {
            server = requested ?? FindServer();
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

    private static string Render(ProcStat server, bool color)
    {
        var children = ProcStat.ChildrenOf(server.Pid);
        int zombies = children.Count(c => c.IsZombie);
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture,
            $"server {server.Pid}: {ProcStat.CommandLine(server.Pid)}\n{children.Count} children, {zombies} zombies ({DateTime.Now:HH:mm:ss})\n");
        text.Append(CultureInfo.InvariantCulture, $"{"PID",7}  {"STATE",-14}  {"AGE",9}  CLIENT\n");
        foreach (var child in children)
        {
            // A zombie has closed every descriptor: its client is unknown, and ps would call it <defunct>.
            string client = child.IsZombie ? "<defunct>" : ProcSockets.PeerOf(child.Pid) ?? "-";
            string row = string.Create(CultureInfo.InvariantCulture, $"{child.Pid,7}  {child.StateName,-14}  {Elapsed(child.Age),9}  {client}");
            text.Append(color && child.IsZombie ? Red + row + Reset : row).Append('\n');
        }
        return text.ToString();
    }

    /// <summary>[[dd-]hh:]mm:ss, as ps prints ELAPSED.</summary>
    private static string Elapsed(TimeSpan age) =>
        age.Days > 0 ? age.ToString(@"d\-hh\:mm\:ss", CultureInfo.InvariantCulture)
        : age.Hours > 0 ? age.ToString(@"hh\:mm\:ss", CultureInfo.InvariantCulture)
        : age.ToString(@"mm\:ss", CultureInfo.InvariantCulture);

    /// <summary>
    /// The one forkserver that serves: a process named forkserver, run as <c>forkserver serve</c> or with no command,
    /// whose parent is not a forkserver too (that would be one of its children).
    /// </summary>
    private static int FindServer()
    {
        var servers = ProcStat.All()
            .Where(p => p.Comm == "forkserver" && !p.IsZombie && ProcStat.Read(p.PPid)?.Comm != "forkserver")
            .Where(p => IsServeCommand(ProcStat.CommandLine(p.Pid)))
            .Select(p => p.Pid)
            .ToList();
        return servers switch
        {
            [var one] => one,
            [] => throw new InvalidOperationException("no forkserver is running; start one (forkserver serve) or name it with --pid"),
            _ => throw new InvalidOperationException($"several forkservers are running ({string.Join(", ", servers)}); choose one with --pid"),
        };
    }

    /// <summary>"forkserver", "forkserver serve ..." or "forkserver --port 1 ...": the command line of a server.</summary>
    private static bool IsServeCommand(string commandLine) =>
        commandLine.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).FirstOrDefault() is null or "serve" or ['-', ..];
}
