using System.CommandLine;
using ForkServer.Cli;
using ForkServer.Clients;

var root = new RootCommand("forkclient: clients for ForkServer and the tutorial's servers")
{
    EchoCommand.Create(),
    GreetCommand.Create(),
    ChatCommand.Create(),
    BenchCommand.Create(),
};
return CommandLine.Run(root, "forkclient", args, e =>
    $"forkclient: cannot open its own files: {(e.InnerException ?? e).Message.Split('\n')[0].Trim()} If the limit on open files is low, raise it (ulimit -n 1024)");
