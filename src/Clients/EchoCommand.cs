using System.CommandLine;
using System.Net.Sockets;
using System.Text;
using ForkServer.Protocols;

namespace ForkServer.Clients;

/// <summary>
/// <c>forkclient echo</c>: the tutorial's echo client. Reads lines from standard input (a terminal or a pipe), sends
/// each one, prints the server's reply; <c>q</c> or <c>Q</c> ends the session.
/// </summary>
public static class EchoCommand
{
    public static Command Create()
    {
        var host = new Option<string>("--host") { Description = "Server address", DefaultValueFactory = _ => "127.0.0.1" };
        var port = new Option<int>("--port", "-p") { Description = "Server port", DefaultValueFactory = _ => 50007 };
        var command = new Command("echo", "Send lines to an echo server and print its replies") { host, port };
        command.SetAction(parsed => Run(parsed.GetValue(host)!, parsed.GetValue(port)));
        return command;
    }

    private static int Run(string host, int port)
    {
        using var socket = Connection.Open(host, port);
        if (socket is null)
        {
            return 1;
        }
        var buffer = new byte[64 * 1024];
        while (true)
        {
            Console.WriteLine("Enter data to send to server: press q or Q to quit");
            string? line = Console.ReadLine();
            if (line is null)
            {
                return 0;
            }
            socket.Send(Encoding.UTF8.GetBytes(line));
            if (EchoSession.IsQuit(Encoding.UTF8.GetBytes(line)))
            {
                return 0;
            }
            int received = socket.Receive(buffer);
            if (received == 0)
            {
                Console.Error.WriteLine("forkclient: the server closed the connection");
                return 1;
            }
            Console.WriteLine(Encoding.UTF8.GetString(buffer, 0, received));
        }
    }
}
