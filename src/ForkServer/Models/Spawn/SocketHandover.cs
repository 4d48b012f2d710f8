using System.Diagnostics;
using System.Net.Sockets;
using System.Runtime.Versioning;

namespace ForkServer.Models.Spawn;

/// <summary>
/// How the spawn model gives a connected socket to a process it starts on Windows, and how that process takes it.
/// Windows has no inheritance of sockets across CreateProcess worth relying on: the parent duplicates the socket into
/// the child with WSADuplicateSocket (<see cref="Socket.DuplicateAndClose"/>) and writes the result to the child's
/// standard input. (On Linux the child simply inherits the descriptor: <see cref="SpawnModel"/>.)
/// </summary>
public static class SocketHandover
{
    /// <summary>Duplicates <paramref name="client"/> into <paramref name="child"/>, closes ours, and sends the child what it needs.</summary>
    [SupportedOSPlatform("windows")]
    public static void DuplicateInto(Socket client, Process child)
    {
        var info = client.DuplicateAndClose(child.Id);
        child.StandardInput.WriteLine(Convert.ToBase64String(info.ProtocolInformation));
        child.StandardInput.WriteLine((int)info.Options);
        child.StandardInput.Close();
    }

    /// <summary>In the child: the socket the parent duplicated into this process, read from standard input.</summary>
    [SupportedOSPlatform("windows")]
    public static Socket FromDuplicate(TextReader parent)
    {
        var info = new SocketInformation
        {
            ProtocolInformation = Convert.FromBase64String(parent.ReadLine() ?? throw new InvalidDataException("no socket information on standard input")),
            Options = (SocketInformationOptions)int.Parse(parent.ReadLine() ?? "0", System.Globalization.CultureInfo.InvariantCulture),
        };
        return new Socket(info);
    }
}
