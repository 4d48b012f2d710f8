using System.Net;
using System.Runtime.Versioning;
using ForkServer.Interop;
using ForkServer.Networking;

namespace ForkServer.Sessions;

/// <summary>
/// Runs a whole session over loopback inside the parent before it forks anyone, with the very code a child will run.
/// Under the JIT every method is compiled on its first call, and compiled code lives in the process that compiled it:
/// without this, each forked child would compile the session path again, on every connection, and a child that
/// compiles can hang (Supervision/ForkSafety.cs). Children inherit the parent's compiled code, so they start serving
/// at once.
/// </summary>
[SupportedOSPlatform("linux")]
public static class Warmup
{
    /// <summary>
    /// Twice: a loopback client connects, sends a line and shuts down its side, and <paramref name="serveOne"/> gets the
    /// listening descriptor with that connection waiting in its queue, to accept and serve it. An interface call
    /// (<see cref="Protocols.ISession.Receive"/>) goes through a stub that the runtime points at its target only once
    /// the target is compiled: the first session compiles the targets, the second points the calls at them.
    /// </summary>
    public static void Run(bool ipv6, Action<int> serveOne)
    {
        RunOne(ipv6, serveOne);
        RunOne(ipv6, serveOne);
    }

    /// <summary>
    /// What a model's <c>serveOne</c> throws when accept4 fails (<paramref name="negatedErrno"/>, as
    /// <see cref="Posix.Accept"/> returns it): the queue holds only the warm-up's own client, so this is no client's
    /// fault, and a server that cannot accept it cannot accept anyone (EMFILE: the limit on open files is too low).
    /// </summary>
    public static PosixException AcceptFailed(int negatedErrno) => new("accept4", -negatedErrno);

    private static void RunOne(bool ipv6, Action<int> serveOne)
    {
        int listener = Listener.Open(ipv6 ? IPAddress.IPv6Loopback : IPAddress.Loopback, 0, nonBlocking: false);
        int client = Posix.Socket(ipv6, udp: false, nonBlocking: false);
        try
        {
            if (client < 0)
            {
                throw new Cli.StartupException($"cannot make the warm-up's loopback connection: {Cli.OpenFileLimit.Describe("socket", -client)}");
            }
            if (Posix.Connect(client, Posix.LocalAddress(listener)) != 0)
            {
                throw new Cli.StartupException("the warm-up could not connect to itself over loopback");
            }
            Posix.Send(client, "warm-up"u8);
            Posix.ShutdownSend(client);
            serveOne(listener);
        }
        finally
        {
            if (client >= 0)
            {
                Posix.Close(client);
            }
            Posix.Close(listener);
        }
    }
}
