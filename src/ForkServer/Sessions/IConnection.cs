namespace ForkServer.Sessions;

/// <summary>
/// A connected stream socket as <see cref="BlockingSessionRunner"/> uses it: blocking receive and send, each bounded
/// by a timeout, and failures as numbers rather than exceptions, so a forked child allocates nothing on any path. A
/// bare descriptor (<see cref="DescriptorConnection"/>) serves every model on Linux; a .NET socket
/// (<see cref="SocketConnection"/>) serves a spawned child on Windows.
/// </summary>
public interface IConnection
{
    /// <summary>recv(2) once: the byte count, 0 once the client closed its side, <see cref="Connection.TimedOut"/> or <see cref="Connection.Gone"/>.</summary>
    int Receive(Span<byte> buffer);

    /// <summary>Sends every byte: 0, or <see cref="Connection.TimedOut"/> when the client read nothing for the send timeout, or <see cref="Connection.Gone"/>.</summary>
    int Send(ReadOnlySpan<byte> bytes);

    /// <summary>How long one receive waits for a silent client, and one send for a client that does not read.</summary>
    void SetTimeouts(TimeSpan receive, TimeSpan send);

    /// <summary>Changes only the receive timeout (a session deadline closer than the idle timeout).</summary>
    void SetReceiveTimeout(TimeSpan receive);
}

/// <summary>The results of <see cref="IConnection"/>'s calls besides byte counts.</summary>
public static class Connection
{
    public const int TimedOut = -1;
    public const int Gone = -2;
}
