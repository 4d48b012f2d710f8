using System.CommandLine;

namespace ForkServer.Cli;

/// <summary>The --host and --port pair every command that listens or connects has, with the tutorial's port as default.</summary>
public sealed class AddressOptions
{
    public AddressOptions(int defaultPort, string hostDescription = "Address (loopback by default)")
    {
        Host = new Option<string>("--host") { Description = hostDescription, DefaultValueFactory = _ => "127.0.0.1" };
        Port = new Option<int>("--port", "-p") { Description = $"Port (the tutorial's {defaultPort} by default)", DefaultValueFactory = _ => defaultPort };
        Port.Validators.Add(result =>
        {
            if (result.GetValue(Port) is < 0 or > 65535)
            {
                result.AddError("--port must be between 0 and 65535");
            }
        });
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
