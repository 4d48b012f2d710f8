using System.CommandLine;
using ForkServer.Clients;

var root = new RootCommand("forkclient: clients for ForkServer and the tutorial's servers")
{
    EchoCommand.Create(),
    GreetCommand.Create(),
    ChatCommand.Create(),
};
return root.Parse(args).Invoke();
