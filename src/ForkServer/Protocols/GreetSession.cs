namespace ForkServer.Protocols;

/// <summary>The tutorial's first server: it greets the client and hangs up, without reading anything.</summary>
public sealed class GreetSession : ISession
{
    public static ReadOnlyMemory<byte> Greeting { get; } = "Thank you for Connecting"u8.ToArray();

    public Reply Open() => new(Greeting, Close: true);

    public Reply Receive(ReadOnlySpan<byte> data) => Reply.End;
}
