namespace ForkServer.Protocols;

/// <summary>
/// Bytes to send, and whether the session ends once they are sent. The bytes may point into the session's own
/// buffer: send them before asking the session for the next reply.
/// </summary>
public readonly record struct Reply(ReadOnlyMemory<byte> Bytes, bool Close)
{
    public static Reply None { get; } = new(ReadOnlyMemory<byte>.Empty, Close: false);

    public static Reply End { get; } = new(ReadOnlyMemory<byte>.Empty, Close: true);
}
