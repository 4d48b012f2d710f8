using System.CommandLine;
using System.Net;
using ForkServer.Chat;
using ForkServer.Logging;
using ForkServer.Server;

namespace ForkServer.Cli;

/// <summary><c>forkserver chat</c>: wait for one peer (<c>forkclient chat</c>) and chat with it, typing first.</summary>
public static class ChatCommand
{
    public static Command Create()
    {
        var address = new AddressOptions(5000, "Address to listen on (loopback by default)");
        var command = address.AddTo(new Command("chat", "Peer-to-peer chat over TCP: wait for forkclient chat, then take turns typing lines (you first)"));
        command.SetAction(parsed => Run(parsed.GetValue(address.Host)!, parsed.GetValue(address.Port)));
        return command;
    }

    private static int Run(string host, int port)
    {
        var log = EventLog.Default;
        try
        {
            using var listener = Listener.Open(Listener.Resolve(host), port);
            var local = (IPEndPoint)listener.LocalEndPoint!;
            string where = Listener.Format(local);
            log.Always("listening", $"listening on {where} (chat); waiting for the other side: forkclient chat --port {local.Port}",
                new LogField("address", where), new LogField("model", "chat"));
            using var peer = listener.Accept();
            listener.Close();
            string other = Listener.Format(peer.RemoteEndPoint);
            log.Info("accepted", $"{other} joined; your turn first", new LogField("peer", other));
            return ChatPeer.Converse(peer, speakFirst: true, "Client");
        }
        catch (StartupException e)
        {
            log.Error("cannot-start", $"forkserver: {e.Message}", new LogField("error", e.Message));
            return ExitCodes.CannotStart;
        }
    }
}
