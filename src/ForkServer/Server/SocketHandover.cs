using System.Diagnostics;
using System.Net.Sockets;
using System.Runtime.Versioning;
using ForkServer.Interop;

namespace ForkServer.Server;

/// <summary>
/// How the spawn model gives a connected socket to a process it starts, and how that process takes it. On Unix the
/// child inherits a copy of the descriptor without FD_CLOEXEC and is told its number (<c>--fd</c>). Windows has no
/// inheritance of sockets across CreateProcess worth relying on: there the parent duplicates the socket into the
/// child with WSADuplicateSocket (<see cref="Socket.DuplicateAndClose"/>) and writes the result to the child's
/// standard input.
/// </summary>
public static class SocketHandover
{
    /// <summary>Unix: a descriptor for <paramref name="client"/> that the next exec passes on; close it once the child runs.</summary>
    [UnsupportedOSPlatform("windows")]
    public static int Inheritable(Socket client) => Posix.Dup((int)client.Handle);

    /// <summary>Unix, in the child: the socket behind the inherited descriptor <paramref name="fd"/>.</summary>
    [UnsupportedOSPlatform("windows")]
    public static Socket FromInherited(int fd) => new(new SafeSocketHandle(fd, ownsHandle: true));

    /// <summary>Windows: duplicates <paramref name="client"/> into <paramref name="child"/>, closes ours, and sends the child what it needs.</summary>
    [SupportedOSPlatform("windows")]
    public static void DuplicateInto(Socket client, Process child)
    {
        var info = client.DuplicateAndClose(child.Id);
        child.StandardInput.WriteLine(Convert.ToBase64String(info.ProtocolInformation));
        child.StandardInput.WriteLine((int)info.Options);
        child.StandardInput.Close();
    }

    /// <summary>Windows, in the child: the socket the parent duplicated into this process, read from standard input.</summary>
    [SupportedOSPlatform("windows")]
    public static Socket FromDuplicate(TextReader parent)
    {
        var info = new SocketInformation
        {
            ProtocolInformation = Convert.FromBase64String(parent.ReadLine() ?? throw new InvalidDataException("no socket information on standard input")),
            Options = (SocketInformationOptions)int.Parse(parent.ReadLine() ?? "0"),
        };
        return new Socket(info);
    }
}
