namespace ForkServer.Networking;

/// <summary>The listen backlog every server asks for, on every system.</summary>
public static class ListenQueue
{
    /// <summary>
    /// Room in the accept queue for clients that wait while the server is at its child limit; the kernel caps it
    /// at net.core.somaxconn.
    /// </summary>
    public const int Length = 1024;
}
