using System.CommandLine;
using ForkServer.Logging;
using ForkServer.Models.Udp;
using ForkServer.Net;
using ForkServer.Protocols;
using ForkServer.Supervision;

namespace ForkServer.Cli;

/// <summary><c>forkserver udp</c>: the tutorial's UDP echo server.</summary>
public static class UdpCommand
{
    public static Command Create()
    {
        var address = new AddressOptions(TutorialPorts.UdpEcho, "Address to listen on (loopback by default)");
        var quiet = new Option<bool>("--quiet", "-q") { Description = "Print only errors and the line that says where the server listens" };
        var user = UserOptions.User();
        var allowRoot = UserOptions.AllowRoot();
        var command = address.AddTo(new Command("udp", "UDP echo: send every datagram back to its sender, unchanged") { quiet, user, allowRoot });
        command.SetAction(parsed =>
        {
            if (!OperatingSystem.IsLinux())
            {
                Console.Error.WriteLine("forkserver: udp needs Linux");
                return ExitCodes.CannotStart;
            }
            SignalFunnel.BlockFromStart();
            var log = new EventLog(LogFormat.Text, parsed.GetValue(quiet));
            try
            {
                return new UdpEcho(Addresses.Resolve(parsed.GetValue(address.Host)!), parsed.GetValue(address.Port), parsed.GetValue(user), parsed.GetValue(allowRoot), log).Run(SignalFunnel.Open());
            }
            catch (StartupException e)
            {
                log.Error("cannot-start", $"forkserver: {e.Message}", new LogField("error", e.Message));
                return ExitCodes.CannotStart;
            }
        });
        return command;
    }
}
