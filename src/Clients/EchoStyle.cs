namespace ForkServer.Clients;

/// <summary>
/// How <c>forkclient echo</c> talks and prints, as each of the tutorial's echo clients does, byte for byte: what it
/// prints first, its prompt, whether a line goes on the wire with its line ending, how it prints a reply, and what
/// ends it. <see cref="Tcp"/> is the default; a line ending ends every style but the UDP one, whose empty line is an
/// empty datagram.
/// </summary>
public sealed record EchoStyle(string Name, string Banner, string Prompt, bool SendLineEnding, string ReplyBefore, string ReplyAfter, bool EmptyLineEnds)
{
    /// <summary>The TCP echo client of port 5090 (and of the forking server, which the README pairs it with).</summary>
    public static EchoStyle Tcp { get; } = new("tcp", "", "Enter data to send to server: press q or Q to quit:\n", false, "", "\n", true);

    /// <summary>The UDP client of port 5000: q is not sent, an empty line is an empty datagram.</summary>
    public static EchoStyle Udp { get; } = new("udp", "", "Type Something(q or Q to exit:)", false, "Received: ", "\n", false);

    /// <summary>The exception-handling client of port 50000.</summary>
    public static EchoStyle Exception { get; } = new("exception", "", "Type Something(q or Q to exit:)", false, "", "\n", true);

    /// <summary>The forking server's client of port 50007.</summary>
    public static EchoStyle Fork { get; } = new("fork", "Enter q or Q to quits:\n", ">", false, "", "\n", true);

    /// <summary>The threaded server's client of port 5300.</summary>
    public static EchoStyle Thread { get; } = new("thread", "", "Enter data to send:", false, "Received data: ", "\n", true);

    /// <summary>The select server's client: a line goes with its line ending, the reply is written as it came, then the prompt again.</summary>
    public static EchoStyle Select { get; } = new("select", "", "%", true, "", "", true);

    public static IReadOnlyList<EchoStyle> All { get; } = [Tcp, Udp, Exception, Fork, Thread, Select];
}
