namespace ForkServer.Protocols;

/// <summary>
/// A connected stream socket as <see cref="BlockingSessionRunner"/> uses it: blocking receive and send, and the
/// idle timeout. A .NET <see cref="System.Net.Sockets.Socket"/> (<see cref="SocketConnection"/>) serves threads,
/// the iterative loop and Windows; a bare descriptor (<see cref="DescriptorConnection"/>) serves forked children,
/// whose parent accepted the client without making an object for it.
/// </summary>
public interface IConnection
{
    /// <summary>recv(2) once: the byte count, 0 once the client closed its side, -1 when the idle timeout ran out.</summary>
    int Receive(Span<byte> buffer);

    /// <summary>Sends every byte.</summary>
    void Send(ReadOnlySpan<byte> bytes);

    /// <summary>How long <see cref="Receive"/> waits for a silent client before it returns -1.</summary>
    void SetIdleTimeout(TimeSpan timeout);
}
