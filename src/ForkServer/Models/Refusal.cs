using System.Runtime.Versioning;
using ForkServer.Interop;
using ForkServer.Logging;

namespace ForkServer.Models;

/// <summary>What every model tells a client it cannot serve for want of resources (no process, no thread), and logs.</summary>
[SupportedOSPlatform("linux")]
public static class Refusal
{
    public static readonly byte[] BusyLine = "server busy, try again later\n"u8.ToArray();

    /// <summary>Tells the client the server is busy (without waiting on it), closes it, and logs why in one line.</summary>
    public static void ServerBusy(int clientFd, PeerAddress peer, string why, EventLog log)
    {
        string text = peer.ToString();
        log.Error("busy", $"{why}; told {text} the server is busy and closed it",
            new LogField("peer", text), new LogField("error", why));
        // A client that has gone already gets nothing, and nothing waits for it.
        Posix.Send(clientFd, BusyLine, dontWait: true);
        Posix.Close(clientFd);
    }
}
