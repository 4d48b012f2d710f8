using System.CommandLine;
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
            using var listener = Listener.Open(host, port);
            string where = Listener.Format(listener.LocalEndPoint);
            log.Always("listening", $"listening on {where} (chat); waiting for the other side: forkclient chat --port {((System.Net.IPEndPoint)listener.LocalEndPoint!).Port}",
                new LogField("address", where), new LogField("model", "chat"));
            using var peer = listener.Accept();
            listener.Close();
            log.Info("accepted", $"{Listener.Format(peer.RemoteEndPoint)} joined; your turn first", new LogField("peer", Listener.Format(peer.RemoteEndPoint)));
            return ChatPeer.Converse(peer, speakFirst: true, "Client");
        }
        catch (StartupException e)
        {
            log.Error("cannot-start", $"forkserver: {e.Message}", new LogField("error", e.Message));
            return ExitCodes.CannotStart;
        }
    }
}
