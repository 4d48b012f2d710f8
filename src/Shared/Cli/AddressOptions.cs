using System.CommandLine;
using ForkServer.Net;

namespace ForkServer.Cli;

/// <summary>The --host and --port pair every command that listens or connects has, with the tutorial's port as default.</summary>
public sealed class AddressOptions
{
    public AddressOptions(int defaultPort, string hostDescription = "Address (loopback by default)", int leastPort = 0)
    {
        Host = new Option<string>("--host") { Description = hostDescription, DefaultValueFactory = _ => Addresses.DefaultHost };
        Port = OptionRules.WholeNumber("--port", $"Port, the tutorial's {defaultPort} by default{(leastPort == 0 ? "; 0 lets the kernel choose" : "")}",
            defaultPort, leastPort, 65535, "-p");
    }

    public Option<string> Host { get; }

    public Option<int> Port { get; }

    public Command AddTo(Command command)
    {
        command.Options.Add(Host);
        command.Options.Add(Port);
        return command;
    }
}
