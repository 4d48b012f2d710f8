using System.CommandLine;
using System.Net.Sockets;
using System.Text;
using ForkServer.Cli;
using ForkServer.Protocols;

namespace ForkServer.Clients;

/// <summary><c>forkclient greet</c>: the tutorial's first client. Connects, reads until the server closes, prints it.</summary>
public static class GreetCommand
{
    /// <summary>The server this client is for, as the hint names it when none is listening.</summary>
    private const string Server = "forkserver serve --protocol greet --model iterative";

    public static Command Create()
    {
        var address = new AddressOptions(TutorialPorts.Greeting, "Server address", leastPort: 1);
        var command = address.AddTo(new Command("greet", "Connect to a greeting server and print what it sends before it closes"));
        command.SetAction(parsed => Run(parsed.GetValue(address.Host)!, parsed.GetValue(address.Port)));
        return command;
    }

    private static int Run(string host, int port)
    {
        using var socket = Connection.Open(host, port, Server);
        if (socket is null)
        {
            return 1;
        }
        using var received = new MemoryStream();
        var buffer = new byte[4096];
        try
        {
            int n;
            while ((n = socket.Receive(buffer)) > 0)
            {
                received.Write(buffer, 0, n);
            }
        }
        catch (SocketException e)
        {
            Console.Error.WriteLine($"forkclient: {Connection.Explain(e, host, port, Server)}");
            return 1;
        }
        Console.WriteLine($"Received data: {Encoding.UTF8.GetString(received.ToArray())}");
        return 0;
    }
}
