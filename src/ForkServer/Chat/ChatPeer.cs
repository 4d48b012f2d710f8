using System.Net.Sockets;
using System.Text;
using ForkServer.Protocols;

namespace ForkServer.Chat;

/// <summary>
/// One side of the tutorial's peer-to-peer chat over a connected TCP socket; the server side and the client side
/// run the same code. The sides take turns: the one whose turn it is reads a line from standard input and sends it,
/// then waits for the other's message and prints it. Strict turns also keep TCP's byte stream in messages: nobody
/// sends twice in a row, so one recv(2) returns one message. <c>q</c> or <c>Q</c> from either side ends both.
/// </summary>
public static class ChatPeer
{
    /// <summary>Returns 0 when the chat ended normally (q, Q, end of input, or the other side left).</summary>
    public static int Converse(Socket socket, bool speakFirst, string peerName)
    {
        var buffer = new byte[64 * 1024];
        try
        {
            if (!speakFirst && !Listen(socket, buffer, peerName))
            {
                return 0;
            }
            while (Speak(socket) && Listen(socket, buffer, peerName))
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
    private static bool Speak(Socket socket)
    {
        string? line;
        do
        {
            if (!Console.IsInputRedirected)
            {
                Console.Write("You (q or Q to quit): ");
            }
            // An empty message would send nothing and leave both sides waiting; end of input ends the chat as q does.
            line = Console.ReadLine() ?? "q";
        }
        while (line.Length == 0);
        var message = Encoding.UTF8.GetBytes(line);
        socket.Send(message);
        return !EchoSession.IsQuit(message);
    }

    /// <summary>Their turn: one message comes in and is printed; false if it ended the chat.</summary>
    private static bool Listen(Socket socket, byte[] buffer, string peerName)
    {
        int received = socket.Receive(buffer);
        var message = buffer.AsSpan(0, received);
        if (received == 0 || EchoSession.IsQuit(message))
        {
            Console.WriteLine($"{peerName} ended the chat");
            return false;
        }
        Console.WriteLine($"{peerName}: {Encoding.UTF8.GetString(message)}");
        return true;
    }
}
