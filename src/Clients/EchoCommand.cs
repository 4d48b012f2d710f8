using System.CommandLine;
using System.Net.Sockets;
using System.Text;
using ForkServer.Cli;
using ForkServer.Protocols;

namespace ForkServer.Clients;

/// <summary>
/// <c>forkclient echo</c>: the tutorial's echo client, over TCP or (with <c>--udp</c>) UDP. Reads lines from standard
/// input (a terminal or a pipe), sends each one, prints the server's reply; <c>q</c> or <c>Q</c>, an empty line or the
/// end of the input ends the session with status 0.
/// </summary>
public static class EchoCommand
{
    private const string Prompt = "Enter data to send to server: press q or Q to quit";

    /// <summary>How long the UDP client waits for a reply: a lost datagram is never sent again.</summary>
    private const int UdpReplyTimeoutMilliseconds = 5000;

    public static Command Create()
    {
        var address = new AddressOptions(50007, "Server address");
        var udp = new Option<bool>("--udp") { Description = "Send datagrams to a UDP echo server (forkserver udp) instead of using TCP" };
        var command = address.AddTo(new Command("echo", "Send lines to an echo server and print its replies") { udp });
        command.SetAction(parsed => Run(parsed.GetValue(address.Host)!, parsed.GetValue(address.Port), parsed.GetValue(udp)));
        return command;
    }

    private static int Run(string host, int port, bool udp)
    {
        using var socket = Connection.Open(host, port, udp ? ProtocolType.Udp : ProtocolType.Tcp);
        if (socket is null)
        {
            return 1;
        }
        socket.ReceiveTimeout = udp ? UdpReplyTimeoutMilliseconds : 0;
        var buffer = new byte[64 * 1024];
        try
        {
            while (true)
            {
                Console.WriteLine(Prompt);
                string? line = Console.ReadLine();
                if (line is null)
                {
                    return 0;
                }
                var message = Encoding.UTF8.GetBytes(line);
                if (message.Length == 0)
                {
                    // An empty line ends the client, as the tutorial's select client means to (TCP cannot send
                    // zero bytes, so the server would never answer it anyway).
                    return 0;
                }
                bool quit = EchoSession.IsQuit(message);
                if (quit && udp)
                {
                    // A UDP server has no session to end.
                    return 0;
                }
                socket.Send(message);
                if (quit)
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
        catch (SocketException e)
        {
            Console.Error.WriteLine($"forkclient: {Connection.Explain(e, host, port, udp)}");
            return 1;
        }
    }
}
