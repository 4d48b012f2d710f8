using System.Net.Sockets;
using ForkServer.Logging;
using ForkServer.Protocols;

namespace ForkServer.Server;

/// <summary>
/// The tutorial's first servers: accept one client, serve it to the end, then accept the next. While one client is
/// served the others wait in the kernel's accept queue; nothing runs beside the session but the signal watcher.
/// </summary>
public sealed class IterativeModel(Socket listener, SessionFactory sessions, EventLog log)
{
    public int Run()
    {
        var stop = new StopOnSignal(listener, log);
        string address = Listener.Format(listener.LocalEndPoint);
        log.Always("listening", $"listening on {address} (model iterative, one client at a time)",
            new LogField("address", address), new LogField("model", "iterative"));
        long served = 0;
        while (stop.Accept() is { } client)
        {
            string peer = Listener.Format(client.RemoteEndPoint);
            log.Info("accepted", $"accepted {peer}; the next client waits until this one is done", new LogField("peer", peer));
            served++;
            ClientSession.Serve(client, peer, sessions, log);
            stop.Release(client);
        }
        listener.Dispose();
        log.Info("stopped", $"stopped: served {served} clients", new LogField("served", served));
        return ExitCodes.Ok;
    }
}
