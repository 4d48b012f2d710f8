using System.CommandLine;
using System.Net.Sockets;
using System.Text;
using ForkServer.Cli;
using ForkServer.Protocols;

namespace ForkServer.Chat;

/// <summary>
/// One side of the tutorial's peer-to-peer chat over a connected TCP socket; the server side and the client side
/// run the same code. The sides take turns: the one whose turn it is reads a line from standard input and sends it
/// (without its line ending, as the tutorial does), then waits for the other's message and prints it. Strict turns
/// are what keep TCP's byte stream in messages: nobody sends twice in a row, so what arrives before one's own turn
/// is one message, however many segments it came in. A turn is at most <c>maxMessage</c> bytes on both sides.
/// <c>q</c> or <c>Q</c> from either side ends the chat. What the other side sent is printed with its control
/// characters shown as <c>?</c>.
/// </summary>
public static class ChatPeer
{
    /// <summary>How long the rest of a message may take to follow its first segment.</summary>
    private static readonly TimeSpan RestOfMessage = TimeSpan.FromMilliseconds(100);

    /// <summary>The bound on one turn, the same option on both sides.</summary>
    public static Option<int> MaxMessageOption() =>
        OptionRules.WholeNumber("--max-message", "Bytes one turn may carry; a longer line is not sent", 64 * 1024, 1, 16 * 1024 * 1024);

    /// <summary>Returns 0 when the chat ended normally (q, Q, end of input, or the other side left).</summary>
    public static int Converse(Socket socket, bool speakFirst, string peerName, int maxMessage)
    {
        var buffer = new byte[maxMessage];
        try
        {
            if (!speakFirst && !Listen(socket, buffer, peerName))
            {
                return 0;
            }
            while (Speak(socket, maxMessage) && Listen(socket, buffer, peerName))
            {
            }
            return 0;
        }
        catch (SocketException e)
        {
            Console.Error.WriteLine($"chat: connection to {peerName.ToLowerInvariant()} lost ({e.SocketErrorCode})");
            return 1;
        }
    }

    /// <summary>Our turn: one line from standard input goes out; false if it ended the chat.</summary>
    private static bool Speak(Socket socket, int maxMessage)
    {
        while (true)
        {
            if (!Console.IsInputRedirected)
            {
                Console.Write("You (q or Q to quit): ");
            }
            // End of input ends the chat as q does.
            var message = Encoding.UTF8.GetBytes(Console.ReadLine() ?? "q");
            if (message.Length == 0)
            {
                // An empty message would send nothing and leave both sides waiting.
                continue;
            }
            if (message.Length > maxMessage)
            {
                Console.Error.WriteLine($"chat: a turn is at most {maxMessage} bytes (--max-message) and this line has {message.Length}; not sent, type a shorter one");
                continue;
            }
            socket.Send(message);
            return !EchoSession.IsQuit(message);
        }
    }

    /// <summary>Their turn: one message comes in and is printed; false if it ended the chat.</summary>
    private static bool Listen(Socket socket, byte[] buffer, string peerName)
    {
        int received = socket.Receive(buffer);
        // The rest of a long message follows its first segment at once: take it within this turn.
        while (received > 0 && received < buffer.Length && socket.Poll(RestOfMessage, SelectMode.SelectRead))
        {
            int more = socket.Receive(buffer, received, buffer.Length - received, SocketFlags.None);
            if (more == 0)
            {
                break;
            }
            received += more;
        }
        var message = buffer.AsSpan(0, received);
        if (received == 0 || EchoSession.IsQuit(message))
        {
            Console.WriteLine($"{peerName} ended the chat");
            return false;
        }
        Console.WriteLine($"{peerName}: {Printable.Of(message)}");
        if (received == buffer.Length && Drain(socket, buffer) is var dropped and > 0)
        {
            Console.Error.WriteLine($"chat: {peerName.ToLowerInvariant()} sent more than {buffer.Length} bytes in one turn (--max-message); {dropped} more were dropped");
        }
        return true;
    }

    /// <summary>Reads and throws away what else has arrived in this turn; returns how many bytes.</summary>
    private static long Drain(Socket socket, byte[] buffer)
    {
        long dropped = 0;
        while (socket.Poll(RestOfMessage, SelectMode.SelectRead))
        {
            int n = socket.Receive(buffer);
            if (n == 0)
            {
                break;
            }
            dropped += n;
        }
        return dropped;
    }
}
