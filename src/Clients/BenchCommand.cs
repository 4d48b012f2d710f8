using System.CommandLine;
using System.Net;
using ForkServer.Cli;
using ForkServer.Net;
using ForkServer.Protocols;

namespace ForkServer.Clients;

/// <summary>
/// <c>forkclient bench</c>: a closed-loop load generator. C client threads each take the next of N connections,
/// connect, run R request/reply rounds checking every reply byte for byte, close, and take the next; the report gives
/// connections per second, errors and the latency of whole connections (connect to close).
/// </summary>
public static class BenchCommand
{
    public static Command Create()
    {
        var host = new Option<string>("--host") { Description = "Server address", DefaultValueFactory = _ => Addresses.DefaultHost };
        var port = OptionRules.WholeNumber("--port", "Server port", TutorialPorts.Forking, 1, 65535, "-p");
        var connections = OptionRules.WholeNumber("--connections", "Connections to make in all", 1000, 1, 100_000_000, "-n");
        var concurrency = OptionRules.WholeNumber("--concurrency", "Clients connected at the same time (one thread each)", 32, 1, 10_000, "-c");
        var rounds = OptionRules.WholeNumber("--rounds", "Request/reply rounds per connection (echo)", 1, 1, 1_000_000, "-r");
        var size = OptionRules.WholeNumber("--size", "Bytes per request (echo); keep it small enough to arrive in one recv", 64, 1, 65536, "-s");
        var protocol = OptionRules.Choice("--protocol", "What the server speaks", ProtocolKind.Echo);
        var prefix = new Option<string>("--prefix") { Description = "What the echo server puts before each reply", DefaultValueFactory = _ => EchoSession.ForkingPrefix };
        var hold = OptionRules.Seconds("--hold", "Seconds each connection stays open after its rounds (to measure a server with many clients connected)", 0, 0, 3600);
        var timeout = OptionRules.Seconds("--timeout", "Seconds a connect, send or receive may take before it counts as an error", 30, 0.001, 3600);
        var json = new Option<bool>("--json") { Description = "Print the result as one JSON object" };

        var command = new Command("bench", "Load a running server (start one first, e.g. forkserver --quiet) with many short connections and report connections/s, errors and latency")
        {
            host, port, connections, concurrency, rounds, size, protocol, prefix, hold, timeout, json,
        };
        command.SetAction(parsed =>
        {
            IPAddress address;
            try
            {
                address = Addresses.Resolve(parsed.GetValue(host)!);
            }
            catch (StartupException e)
            {
                Console.Error.WriteLine($"forkclient: {e.Message}");
                return ExitCodes.CannotStart;
            }
            var plan = new BenchPlan(
                new IPEndPoint(address, parsed.GetValue(port)),
                parsed.GetValue(connections),
                parsed.GetValue(concurrency),
                BenchExchange.Create(Names.Parse<ProtocolKind>(parsed.GetValue(protocol)!), parsed.GetValue(prefix)!, parsed.GetValue(rounds), parsed.GetValue(size)),
                TimeSpan.FromSeconds(parsed.GetValue(hold)),
                TimeSpan.FromSeconds(parsed.GetValue(timeout)));
            var result = new LoadGenerator(plan).Run(showProgress: !Console.IsErrorRedirected);
            Console.Out.Write(parsed.GetValue(json) ? BenchReport.Json(plan, result) : BenchReport.Text(plan, result));
            return result.Errors == 0 ? 0 : 1;
        });
        return command;
    }
}
