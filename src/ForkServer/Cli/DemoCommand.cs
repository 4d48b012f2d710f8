using System.CommandLine;
using ForkServer.Demos;

namespace ForkServer.Cli;

/// <summary><c>forkserver demo</c>: small programs that each show one thing about processes happening.</summary>
public static class DemoCommand
{
    public static Command Create()
    {
        var demo = new Command("demo", "Watch one thing about Unix processes happen, with the pids and the ps command to see it");
        demo.Subcommands.Add(ZombieDemo.Command());
        demo.Subcommands.Add(OrphanDemo.Command());
        return demo;
    }
}
