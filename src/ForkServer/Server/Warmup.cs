using System.Net;
using System.Net.Sockets;
using ForkServer.Protocols;

namespace ForkServer.Server;

/// <summary>
/// Runs one whole session over loopback inside the parent before it forks anyone. Under the JIT every method is
/// compiled on its first call, and compiled code lives in the process that compiled it: without this, each forked
/// child would compile the session path again, on every connection. Children inherit the parent's compiled code
/// (copy-on-write), so they start serving at once. The first accept also loads the assemblies it needs now, so
/// the server's descriptors do not grow under the first client.
/// </summary>
public static class Warmup
{
    /// <summary>
    /// Twice: connects to itself over loopback, sends a line, and hands the accepted socket to <paramref name="serve"/>.
    /// An interface call (<see cref="ISession.Receive"/>) goes through a stub that the runtime points at its target
    /// only when the target is compiled already: the first session compiles the targets, the second points the calls
    /// at them. After one session every child would do it in its own copy, and making the stub takes the runtime's
    /// virtual-memory lock, which the parent's finalizer thread may hold at the moment of fork (it runs ArrayPool
    /// trimming after a full GC): the child then waits for it forever (measured: a few children in 10 000).
    /// </summary>
    public static void Run(AddressFamily family, Action<Socket> serve)
    {
        RunOne(family, serve);
        RunOne(family, serve);
    }

    private static void RunOne(AddressFamily family, Action<Socket> serve)
    {
        var loopback = family == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Loopback : IPAddress.Loopback;
        using var listener = new Socket(family, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(loopback, 0));
        listener.Listen(1);
        using var client = new Socket(family, SocketType.Stream, ProtocolType.Tcp);
        client.Connect(listener.LocalEndPoint!);
        client.Send("warm-up"u8);
        client.Shutdown(SocketShutdown.Send);
        using var served = listener.Accept();
        served.Blocking = true;
        _ = Listener.Format(served.RemoteEndPoint);
        serve(served);
    }
}
