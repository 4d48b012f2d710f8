namespace ForkServer.Protocols;

/// <summary>
/// The tutorial's first server: it greets the client and hangs up, without reading anything. The greeting is the
/// tutorial's, byte for byte: two spaces and a line ending after the words.
/// </summary>
public sealed class GreetSession : ISession
{
    public static ReadOnlyMemory<byte> Greeting { get; } = "Thank you for Connecting  \n"u8.ToArray();

    public Reply Open() => new(Greeting, Close: true);

    // No state to forget: every chunk is answered on its own.
    public void Reset()
    {
    }

    public Reply Receive(ReadOnlySpan<byte> data) => Reply.End;
}
