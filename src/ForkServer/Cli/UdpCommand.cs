using System.CommandLine;
using ForkServer.Logging;
using ForkServer.Server;

namespace ForkServer.Cli;

/// <summary><c>forkserver udp</c>: the tutorial's UDP echo server.</summary>
public static class UdpCommand
{
    public static Command Create()
    {
        var address = new AddressOptions(5000, "Address to listen on (loopback by default)");
        var quiet = new Option<bool>("--quiet", "-q") { Description = "Print only errors and the line that says where the server listens" };
        var command = address.AddTo(new Command("udp", "UDP echo: send every datagram back to its sender, unchanged") { quiet });
        command.SetAction(parsed => UdpEcho.Run(parsed.GetValue(address.Host)!, parsed.GetValue(address.Port), new EventLog(LogFormat.Text, parsed.GetValue(quiet))));
        return command;
    }
}
