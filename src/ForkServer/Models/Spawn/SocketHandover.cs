using System.Diagnostics;
using System.Net.Sockets;
using System.Runtime.Versioning;

namespace ForkServer.Models.Spawn;

/// <summary>
/// How the spawn model gives a connected socket to a process it starts on Windows, and how that process takes it.
/// Windows has no inheritance of sockets across CreateProcess worth relying on: the parent duplicates the socket into
/// the child with WSADuplicateSocket (<see cref="Socket.DuplicateAndClose"/>) and writes the result to the child's
/// standard input, two lines per socket. A pool child that serves several clients (<c>--clients-per-child</c>) writes
/// <see cref="ReadyLine"/> to its standard output when it waits for the next, and the end of its standard input tells
/// it to go. (On Linux the child simply inherits the descriptor, or receives it over a socket pair: <see cref="SpawnModel"/>.)
/// </summary>
public static class SocketHandover
{
    /// <summary>What a pool child writes, one line, when it is done with a client and waits for another.</summary>
    public const string ReadyLine = "ready";

    /// <summary>
    /// Duplicates <paramref name="client"/> into <paramref name="child"/>, closes ours, and sends the child what it needs;
    /// after its <paramref name="last"/> client the child's standard input ends.
    /// </summary>
    [SupportedOSPlatform("windows")]
    public static void DuplicateInto(Socket client, Process child, bool last)
    {
        var info = client.DuplicateAndClose(child.Id);
        child.StandardInput.WriteLine(Convert.ToBase64String(info.ProtocolInformation));
        child.StandardInput.WriteLine((int)info.Options);
        if (last)
        {
            child.StandardInput.Close();
        }
    }

    /// <summary>
    /// In the child: the next socket the parent duplicated into this process, read from standard input; null once
    /// that input has ended.
    /// </summary>
    [SupportedOSPlatform("windows")]
    public static Socket? FromDuplicate(TextReader parent)
    {
        if (parent.ReadLine() is not { } protocol)
        {
            return null;
        }
        var info = new SocketInformation
        {
            ProtocolInformation = Convert.FromBase64String(protocol),
            Options = (SocketInformationOptions)int.Parse(parent.ReadLine() ?? "0", System.Globalization.CultureInfo.InvariantCulture),
        };
        return new Socket(info);
    }
}
