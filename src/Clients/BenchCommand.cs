using System.CommandLine;
using System.Net;
using ForkServer.Protocols;
using ForkServer.Server;

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
        var defaults = new ServeOptions();
        var host = new Option<string>("--host") { Description = "Server address", DefaultValueFactory = _ => defaults.Host };
        var port = new Option<int>("--port", "-p") { Description = "Server port", DefaultValueFactory = _ => ServeOptions.DefaultPort };
        var connections = new Option<int>("--connections", "-n") { Description = "Connections to make in all", DefaultValueFactory = _ => 1000 };
        var concurrency = new Option<int>("--concurrency", "-c") { Description = "Clients connected at the same time (one thread each)", DefaultValueFactory = _ => 32 };
        var rounds = new Option<int>("--rounds", "-r") { Description = "Request/reply rounds per connection (echo)", DefaultValueFactory = _ => 1 };
        var size = new Option<int>("--size", "-s") { Description = "Bytes per request (echo); keep it small enough to arrive in one recv", DefaultValueFactory = _ => 64 };
        var protocol = new Option<string>("--protocol") { Description = "What the server speaks", DefaultValueFactory = _ => Names.Of(ProtocolKind.Echo) };
        protocol.AcceptOnlyFromAmong([.. Enum.GetValues<ProtocolKind>().Select(Names.Of)]);
        var prefix = new Option<string>("--prefix") { Description = "What the echo server puts before each reply", DefaultValueFactory = _ => defaults.Prefix };
        var hold = new Option<double>("--hold") { Description = "Seconds each connection stays open after its rounds (to measure a server with many clients connected)" };
        var timeout = new Option<double>("--timeout") { Description = "Seconds a connect, send or receive may take before it counts as an error", DefaultValueFactory = _ => 30 };
        var json = new Option<bool>("--json") { Description = "Print the result as one JSON object" };

        foreach (var (option, least) in new[] { (connections, 1), (concurrency, 1), (rounds, 1), (size, 1), (port, 1) })
        {
            option.Validators.Add(result =>
            {
                if (result.GetValue(option) < least)
                {
                    result.AddError($"{option.Name} must be at least {least}");
                }
            });
        }
        foreach (var option in new[] { hold, timeout })
        {
            option.Validators.Add(result =>
            {
                if (result.GetValue(option) < 0)
                {
                    result.AddError($"{option.Name} cannot be negative");
                }
            });
        }

        var command = new Command("bench", "Load a server with many short connections and report connections/s, errors and latency")
        {
            host, port, connections, concurrency, rounds, size, protocol, prefix, hold, timeout, json,
        };
        command.SetAction(parsed =>
        {
            IPAddress address;
            try
            {
                address = Listener.Resolve(parsed.GetValue(host)!);
            }
            catch (StartupException e)
            {
                Console.Error.WriteLine($"forkclient: {e.Message}");
                return 2;
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
