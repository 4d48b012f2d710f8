using System.CommandLine;
using ForkServer.Demos;

namespace ForkServer.Cli;

/// <summary><c>forkserver demo</c>: small programs that each show one Unix idea. One line registers each demo.</summary>
public static class DemoCommand
{
    public static Command Create()
    {
        var demo = new Command("demo", "Small programs that each show one Unix idea");
        demo.Subcommands.Add(Demo("fork", "fork is called once but returns twice: the parent's and the child's pid", ForkDemo.Run));
        demo.Subcommands.Add(Demo("thread", "A child thread and the main thread print their names", ThreadDemo.Run));
        return demo;
    }

    private static Command Demo(string name, string description, Func<int> run)
    {
        var command = new Command(name, description);
        command.SetAction(_ => run());
        return command;
    }
}
