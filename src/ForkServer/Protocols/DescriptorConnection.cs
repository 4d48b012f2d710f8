using ForkServer.Interop;

namespace ForkServer.Protocols;

/// <summary>
/// A connected socket's bare descriptor as an <see cref="IConnection"/>: read(2) and write(2), which on a socket are
/// recv(2) and send(2) without flags, and SO_RCVTIMEO, whose expiry makes read fail with EAGAIN (-1 here). Errors
/// are <see cref="PosixException"/>s (ECONNRESET; EPIPE rather than a signal, since the .NET runtime ignores
/// SIGPIPE and a forked child keeps that).
/// </summary>
public readonly struct DescriptorConnection(int fd) : IConnection
{
    public int Receive(Span<byte> buffer) => Posix.Read(fd, buffer);

    public void Send(ReadOnlySpan<byte> bytes) => Posix.Write(fd, bytes);

    // The same ceiling as Socket.ReceiveTimeout, so every model waits as long.
    public void SetIdleTimeout(TimeSpan timeout) =>
        Posix.SetReceiveTimeout(fd, TimeSpan.FromMilliseconds(Math.Min(int.MaxValue, timeout.TotalMilliseconds)));
}
