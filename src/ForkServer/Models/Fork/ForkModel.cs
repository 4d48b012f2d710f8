using System.Runtime.CompilerServices;
using System.Runtime.Versioning;
using ForkServer.Interop;
using ForkServer.Logging;
using ForkServer.Protocols;
using ForkServer.Sessions;
using ForkServer.Supervision;

namespace ForkServer.Models.Fork;

/// <summary>
/// The tutorial's forking server: each client is served by a copy of the server made with fork(2), which runs the
/// session with blocking calls on the descriptor it inherited and exits with a status that says how it ended
/// (<see cref="SessionEnds"/>). The parent's loop is <see cref="ForkingServer"/>.
/// </summary>
[SupportedOSPlatform("linux")]
public sealed class ForkModel(ServeOptions options, int listenFd, SessionFactory sessions, EventLog log)
{
    // Made in the parent and used only by children: each child works on its own copy-on-write copy, so a child
    // allocates nothing. The session is made after the warm-up, so a protocol with state starts every child fresh.
    private ISession _session = sessions.Create();
    private readonly byte[] _buffer = new byte[sessions.MaxMessage];

    // Read in the parent: a property getter the child called first would be compiled in every child (Debug builds
    // do not inline it).
    private readonly TimeSpan? _leaveOrphan = options.LeaveOrphan;
    private readonly bool _listenerTimeouts = sessions.ListenerTimeouts;

    public int Run(SignalFunnel funnel)
    {
        Warmup.Run(Posix.LocalAddress(listenFd).IsIPv6, ServeWarmup);
        _session = sessions.Create();
        var child = new ClientChild(ChildRole.Client, "forked", ChildStart.Managed("fs-child"), Serve,
            status => status.Exited ? SessionEnds.DescribeExitCode(status.ExitCode, sessions) : null);
        return new ForkingServer(options, listenFd, child, log).Run(funnel, "");
    }

    /// <summary>In the child: the client's session, then (to watch an orphan) the grandchild; the exit status.</summary>
    private int Serve(int client)
    {
        int status = ServeSession(client, _listenerTimeouts);
        if (_leaveOrphan is { } stay)
        {
            Orphan.Leave(stay, log);
        }
        return status;
    }

    /// <summary>
    /// One session on the client's descriptor, closed after; the status that says how it ended. The socket has the
    /// idle timeouts already if it came from the server's listener and that carries them. Never inlined: the warm-up's
    /// call must compile the very method a child calls (inlined into the warm-up, with its constant argument folded,
    /// it was compiled again in every child of a Release build).
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private int ServeSession(int client, bool inheritedTimeouts)
    {
        var end = BlockingSessionRunner.Run(new DescriptorConnection(client, inheritedTimeouts), sessions, _session, _buffer);
        Posix.Close(client);
        return SessionEnds.ExitCode(end);
    }

    /// <summary>The warm-up's client, served in the parent by the very code a child runs.</summary>
    private void ServeWarmup(int listener)
    {
        int client = Posix.Accept(listener, out _);
        if (client < 0)
        {
            throw Warmup.AcceptFailed(client);
        }
        ServeSession(client, inheritedTimeouts: false);
    }
}
