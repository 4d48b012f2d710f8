using System.CommandLine;
using ForkServer.Chat;
using ForkServer.Cli;

namespace ForkServer.Clients;

/// <summary><c>forkclient chat</c>: the other side of <c>forkserver chat</c>; the server types first, then turns alternate.</summary>
public static class ChatCommand
{
    public static Command Create()
    {
        var address = new AddressOptions(5000, "Server address");
        var command = address.AddTo(new Command("chat", "Chat with forkserver chat: it types first, then you take turns; q or Q ends both"));
        command.SetAction(parsed =>
        {
            using var socket = Connection.Open(parsed.GetValue(address.Host)!, parsed.GetValue(address.Port));
            return socket is null ? 1 : ChatPeer.Converse(socket, speakFirst: false, "Server");
        });
        return command;
    }
}
