using System.CommandLine;
using System.Net;
using System.Net.Sockets;
using ForkServer.Chat;
using ForkServer.Logging;
using ForkServer.Net;
using ForkServer.Networking;
using ForkServer.Protocols;

namespace ForkServer.Cli;

/// <summary>
/// <c>forkserver chat</c>: wait for a peer (<c>forkclient chat</c>) and chat with it, typing first; when the chat
/// ends, wait for the next peer, as the tutorial's chat server goes back to accept.
/// </summary>
public static class ChatCommand
{
    public static Command Create()
    {
        var address = new AddressOptions(TutorialPorts.Chat, "Address to listen on (loopback by default)");
        var peers = OptionRules.WholeNumber("--peers", "Chats to hold before exiting; 0 for no end (the tutorial's)", 0, 0, int.MaxValue);
        var maxMessage = ChatPeer.MaxMessageOption();
        var user = UserOptions.User();
        var allowRoot = UserOptions.AllowRoot();
        var command = address.AddTo(new Command("chat", "Peer-to-peer chat over TCP: wait for forkclient chat, then take turns typing lines (you first)")
        {
            peers, maxMessage, user, allowRoot,
        });
        command.SetAction(parsed => Run(parsed.GetValue(address.Host)!, parsed.GetValue(address.Port), parsed.GetValue(peers),
            parsed.GetValue(maxMessage), parsed.GetValue(user), parsed.GetValue(allowRoot)));
        return command;
    }

    private static int Run(string host, int port, int peers, int maxMessage, string? user, bool allowRoot)
    {
        var log = EventLog.Default;
        try
        {
            // Closed, descriptor 0 is the runtime's own (/dev/urandom under NativeAOT), whose bytes would go out as turns.
            if (StandardStreams.WereClosed(0))
            {
                throw new StartupException(StandardStreams.InputClosed("the chat's turns are"));
            }
            var ip = Addresses.Resolve(host);
            if (OperatingSystem.IsLinux())
            {
                Privileges.RefuseRootOnPublicAddress(ip, user, allowRoot);
            }
            using var listener = Listen(ip, port);
            if (OperatingSystem.IsLinux())
            {
                Privileges.DropAfterBind(user);
            }
            var local = (IPEndPoint)listener.LocalEndPoint!;
            string where = Addresses.Format(local);
            log.Listening(where, "chat", $"waiting for the other side: forkclient chat --port {local.Port}", new LogField("model", "chat"));
            for (int held = 0; peers == 0 || held < peers; held++)
            {
                using var peer = listener.Accept();
                string other = Addresses.Format(peer.RemoteEndPoint);
                log.Info("accepted", $"{other} joined; your turn first", new LogField("peer", other));
                ChatPeer.Converse(peer, speakFirst: true, "Client", maxMessage);
                log.Info("chat-over", $"the chat with {other} is over{(peers == 0 || held + 1 < peers ? "; waiting for the next one" : "")}",
                    new LogField("peer", other));
            }
            return ExitCodes.Ok;
        }
        catch (StartupException e)
        {
            log.Error("cannot-start", $"forkserver: {e.Message}", new LogField("error", e.Message));
            return ExitCodes.CannotStart;
        }
    }

    /// <summary>A chat waits for one peer at a time with plain blocking calls, on any system: a .NET socket will do.</summary>
    private static Socket Listen(IPAddress address, int port)
    {
        var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            socket.Bind(new IPEndPoint(address, port));
            socket.Listen(ListenQueue.Length);
            return socket;
        }
        catch (SocketException e)
        {
            socket.Dispose();
            throw new StartupException(BindFailure.Explain(BindFailure.From(e), address, port, udp: false));
        }
    }
}
