using System.CommandLine;
using ForkServer.Cli;

// With no command, forkserver serves: `forkserver` alone is the tutorial's forking echo server on 127.0.0.1:50007.
var root = ServeCommand.Configure(new RootCommand("ForkServer: a Unix fork-per-connection server to learn from, and to run as PID 1"));
root.Subcommands.Add(ServeCommand.Configure(new Command("serve", "Accept TCP clients and serve each one (what forkserver does with no command)")));
root.Subcommands.Add(UdpCommand.Create());
root.Subcommands.Add(ChatCommand.Create());
root.Subcommands.Add(DemoCommand.Create());
root.Subcommands.Add(PsCommand.Create());
root.Subcommands.Add(SpawnedChildCommand.Create());
return root.Parse(args).Invoke();
