namespace ForkServer.Protocols;

/// <summary>
/// Makes a fresh <see cref="ISession"/> per client for the protocol a server was started with, and carries the
/// limits every model applies while it drives one.
/// </summary>
public sealed class SessionFactory(ProtocolKind protocol, string prefix, int maxMessage, TimeSpan idleTimeout)
{
    private readonly byte[] _prefix = EchoSession.EncodePrefix(prefix);

    /// <summary>The most bytes one receive takes; larger input is served in pieces of this size.</summary>
    public int MaxMessage { get; } = maxMessage;

    /// <summary>How long a client may send nothing before the session ends.</summary>
    public TimeSpan IdleTimeout { get; } = idleTimeout;

    public ISession Create() => protocol switch
    {
        ProtocolKind.Greet => new GreetSession(),
        _ => new EchoSession(_prefix, MaxMessage),
    };

    /// <summary>The one line a client gets before an idle disconnect (made once: a forked child allocates nothing).</summary>
    public byte[] IdleNotice { get; } = System.Text.Encoding.UTF8.GetBytes($"idle for {idleTimeout.TotalSeconds:0.###} s: closing the connection\n");
}
