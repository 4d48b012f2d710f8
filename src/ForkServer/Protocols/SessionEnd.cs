namespace ForkServer.Protocols;

/// <summary>Which side ended a session.</summary>
public enum SessionEnd
{
    /// <summary>The protocol said so: a greeting was sent, or the client asked to quit.</summary>
    ServerClosed,

    /// <summary>The client closed its side (recv returned 0).</summary>
    ClientClosed,

    /// <summary>The client sent nothing for the idle timeout and was told so.</summary>
    IdleTimeout,
}
