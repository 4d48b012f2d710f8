using System.CommandLine;
using System.Net.Sockets;
using System.Text;
using ForkServer.Cli;
using ForkServer.Protocols;

namespace ForkServer.Clients;

/// <summary>
/// <c>forkclient echo</c>: the tutorial's echo clients, over TCP or (with <c>--udp</c>) UDP, in the style of each
/// (<see cref="EchoStyle"/>). Reads lines from standard input (a terminal or a pipe), sends each one, prints the
/// server's reply; <c>q</c> or <c>Q</c>, an empty line (but in the UDP style) or the end of the input ends it with
/// status 0.
/// </summary>
public static class EchoCommand
{
    /// <summary>How long the UDP client waits for a reply: a lost datagram is never sent again.</summary>
    private const int UdpReplyTimeoutMilliseconds = 5000;

    public static Command Create()
    {
        var address = new AddressOptions(TutorialPorts.Forking, "Server address", leastPort: 1);
        var udp = new Option<bool>("--udp") { Description = "Send datagrams to a UDP echo server (forkserver udp) instead of using TCP; the udp style" };
        var style = OptionRules.Choice("--style", "Whose prompts and printing to use: the tutorial's TCP echo client (tcp), its UDP, exception-handling, forking-server, threaded-server or select client",
            EchoStyle.Tcp.Name, [.. EchoStyle.All.Select(s => s.Name)]);
        var command = address.AddTo(new Command("echo", "Send lines to an echo server and print its replies") { udp, style });
        command.SetAction(parsed =>
        {
            bool datagrams = parsed.GetValue(udp) || parsed.GetValue(style) == EchoStyle.Udp.Name;
            var chosen = datagrams && parsed.GetResult(style) is null or { Implicit: true } ? EchoStyle.Udp : EchoStyle.All.First(s => s.Name == parsed.GetValue(style));
            return Run(parsed.GetValue(address.Host)!, parsed.GetValue(address.Port), datagrams, chosen);
        });
        return command;
    }

    private static int Run(string host, int port, bool udp, EchoStyle style)
    {
        // Closed, descriptor 0 is the runtime's own (/dev/urandom under NativeAOT), whose bytes would go out as lines.
        if (StandardStreams.WereClosed(0))
        {
            Console.Error.WriteLine($"forkclient: {StandardStreams.InputClosed("each line to send is")}");
            return ExitCodes.CannotStart;
        }
        using var socket = Connection.Open(host, port, Server(udp), udp ? ProtocolType.Udp : ProtocolType.Tcp);
        if (socket is null)
        {
            return ExitCodes.Failure;
        }
        socket.ReceiveTimeout = udp ? UdpReplyTimeoutMilliseconds : 0;
        var buffer = new byte[64 * 1024];
        using var output = Console.OpenStandardOutput();
        try
        {
            Write(output, style.Banner);
            while (true)
            {
                Write(output, style.Prompt);
                string? line = Console.ReadLine();
                if (line is null || (line.Length == 0 && style.EmptyLineEnds))
                {
                    // An empty line ends the client, as the tutorial's select client means to (TCP cannot send zero
                    // bytes, so the server would never answer it anyway).
                    return ExitCodes.Ok;
                }
                var message = Encoding.UTF8.GetBytes(style.SendLineEnding ? line + "\n" : line);
                bool quit = !style.SendLineEnding && EchoSession.IsQuit(message);
                if (quit && udp)
                {
                    // A UDP server has no session to end.
                    return ExitCodes.Ok;
                }
                socket.Send(message);
                if (quit)
                {
                    return ExitCodes.Ok;
                }
                int received = socket.Receive(buffer);
                if (received == 0 && !udp)
                {
                    Console.Error.WriteLine("forkclient: the server closed the connection");
                    return ExitCodes.Failure;
                }
                Write(output, style.ReplyBefore);
                output.Write(buffer, 0, received);
                Write(output, style.ReplyAfter);
            }
        }
        catch (SocketException e)
        {
            Console.Error.WriteLine($"forkclient: {Connection.Explain(e, host, port, Server(udp), udp)}");
            return ExitCodes.Failure;
        }
    }

    /// <summary>The server an echo client is for, as the hint names it when none is listening.</summary>
    private static string Server(bool udp) => udp ? "forkserver udp" : "forkserver";

    /// <summary>Text as the tutorial's clients print it: straight to the output, no line ending added.</summary>
    private static void Write(Stream output, string text)
    {
        output.Write(Encoding.UTF8.GetBytes(text));
        output.Flush();
    }
}
