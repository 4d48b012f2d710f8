using System.CommandLine;
using ForkServer.Demos;

namespace ForkServer.Cli;

/// <summary><c>forkserver demo</c>: small programs that each show one Unix idea. One line registers each demo.</summary>
public static class DemoCommand
{
    public static Command Create()
    {
        var demo = new Command("demo", "Small programs that each show one Unix idea, with the pids and the ps command to see it");
        demo.Subcommands.Add(Demo("fork", "fork is called once but returns twice: the parent's and the child's pid",
            () => OperatingSystem.IsLinux() ? ForkDemo.Run() : NeedsLinux()));
        demo.Subcommands.Add(Demo("thread", "A child thread and the main thread print their names", ThreadDemo.Run));
        demo.Subcommands.Add(ZombieDemo.Command());
        demo.Subcommands.Add(OrphanDemo.Command());
        demo.Subcommands.Add(SigchldDemo.Command());
        demo.Subcommands.Add(ExecDemo.Command());
        demo.Subcommands.Add(ForkFailDemo.Command());
        return demo;
    }

    /// <summary>What a demo of processes says on a system without fork(2) and /proc.</summary>
    public static int NeedsLinux()
    {
        Console.Error.WriteLine("forkserver demo: this demo needs Linux (fork, /proc)");
        return ExitCodes.CannotStart;
    }

    private static Command Demo(string name, string description, Func<int> run)
    {
        var command = new Command(name, description);
        command.SetAction(_ => run());
        return command;
    }
}
