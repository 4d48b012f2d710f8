namespace ForkServer.Protocols;

/// <summary>The conversations a server can hold; every concurrency model serves each of them.</summary>
public enum ProtocolKind
{
    Echo,
    Greet,
}
