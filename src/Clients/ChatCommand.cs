using System.CommandLine;
using ForkServer.Chat;
using ForkServer.Cli;
using ForkServer.Protocols;

namespace ForkServer.Clients;

/// <summary><c>forkclient chat</c>: the other side of <c>forkserver chat</c>; the server types first, then turns alternate.</summary>
public static class ChatCommand
{
    public static Command Create()
    {
        var address = new AddressOptions(TutorialPorts.Chat, "Server address", leastPort: 1);
        var maxMessage = ChatPeer.MaxMessageOption();
        var command = address.AddTo(new Command("chat", "Chat with forkserver chat: it types first, then you take turns; q or Q ends both") { maxMessage });
        command.SetAction(parsed =>
        {
            if (StandardStreams.WereClosed(0))
            {
                Console.Error.WriteLine($"forkclient: {StandardStreams.InputClosed("the chat's turns are")}");
                return ExitCodes.CannotStart;
            }
            using var socket = Connection.Open(parsed.GetValue(address.Host)!, parsed.GetValue(address.Port), "forkserver chat");
            return socket is null ? ExitCodes.Failure : ChatPeer.Converse(socket, speakFirst: false, "Server", parsed.GetValue(maxMessage));
        });
        return command;
    }
}
