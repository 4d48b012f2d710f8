using System.Net.Sockets;
using ForkServer.Logging;
using ForkServer.Protocols;

namespace ForkServer.Server;

/// <summary>One accepted client served to its end on the calling thread: what the iterative loop and each client's thread run.</summary>
public static class ClientSession
{
    public static void Serve(Socket client, string peer, SessionFactory sessions, EventLog log)
    {
        try
        {
            var end = BlockingSessionRunner.Run(client, sessions);
            string why = end switch
            {
                SessionEnd.ClientClosed => "client closed",
                SessionEnd.IdleTimeout => $"idle for {sessions.IdleTimeout.TotalSeconds:0.###} s",
                _ => "server closed",
            };
            log.Info("closed", $"{peer}: session over ({why})", new LogField("peer", peer), new LogField("end", end.ToString()));
        }
        catch (SocketException e)
        {
            log.Info("client-vanished", $"{peer} went away mid-session ({e.SocketErrorCode})",
                new LogField("peer", peer), new LogField("error", e.SocketErrorCode.ToString()));
        }
    }
}
