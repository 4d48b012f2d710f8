namespace ForkServer.Protocols;

/// <summary>Makes a fresh <see cref="ISession"/> per client for the protocol a server was started with.</summary>
public sealed class SessionFactory(ProtocolKind protocol, string prefix, int maxMessage)
{
    private readonly byte[] _prefix = EchoSession.EncodePrefix(prefix);

    /// <summary>The most bytes one receive takes; larger input is served in pieces of this size.</summary>
    public int MaxMessage { get; } = maxMessage;

    public ISession Create() => protocol switch
    {
        ProtocolKind.Greet => new GreetSession(),
        _ => new EchoSession(_prefix, MaxMessage),
    };
}
