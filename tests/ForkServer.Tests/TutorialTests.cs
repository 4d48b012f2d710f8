using ForkServer.Tests.Support;

namespace ForkServer.Tests;

/// <summary>
/// Each row of the README's tutorial table, byte for byte, both ways: the command the row gives for our server
/// against the tutorial's client (written the tutorial's way in Python 3, tests/ForkServer.Tests/TutorialPeers), and
/// our client against the tutorial's server. The expected bytes are the tutorial's own strings
/// (../shared/tutorial/tutorial.txt): its prompts, its replies, what its clients print; the wire is recorded by a
/// relay between the two.
/// </summary>
[Trait("Category", "Linux")]
public sealed class TutorialTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    /// <summary>
    /// A tutorial program: our server's arguments (the README row's, without the port), the tutorial's client and
    /// server scripts, our client's arguments, what the client is typed, what it prints, and the bytes each way.
    /// </summary>
    public sealed record Row(string Name, string[] OurServer, string TheirClient, string TheirServer, string[] OurClient,
        string Input, string Printed, string ToServer, string ToClient)
    {
        public override string ToString() => Name;
    }

    private const string EchoPrompt = "Enter data to send to server: press q or Q to quit:\n";
    private const string TypeSomething = "Type Something(q or Q to exit:)";
    private const string Greeting = "Thank you for Connecting  \n";

    public static TheoryData<Row> Rows() =>
    [
        // print "Received data:", data: a space, the 27 bytes, and print's own line ending.
        new Row("greet 8090", ["serve", "--protocol", "greet", "--model", "iterative"], "greet_client.py", "greet_server.py", ["greet"],
            "", $"Received data: {Greeting}\n", "", Greeting),
        new Row("tcp echo 5090", ["serve", "--model", "iterative", "--prefix", "You Send:"], "echo_client.py", "echo_server.py", ["echo"],
            "hello\nq\n", $"{EchoPrompt}You Send:hello\n{EchoPrompt}", "helloq", "You Send:hello"),
        new Row("exception echo 50000", ["serve", "--model", "iterative", "--prefix", "You Send:"], "exc_client.py", "exc_server.py", ["echo", "--style", "exception"],
            "hello\nq\n", $"{TypeSomething}You Send:hello\n{TypeSomething}", "helloq", "You Send:hello"),
        new Row("forking echo 50007", [], "fork_client.py", "fork_server.py", ["echo", "--style", "fork"],
            "hello\nthere\nq\n", "Enter q or Q to quits:\n>you send:hello\n>you send:there\n>", "hellothereq", "you send:helloyou send:there"),
        new Row("threaded echo 5300", ["serve", "--model", "thread", "--prefix", ""], "thread_client.py", "thread_server.py", ["echo", "--style", "thread"],
            "hello\nq\n", "Enter data to send:Received data: hello\nEnter data to send:", "helloq", "hello"),
        // No quit word: q comes back like any line; the blank line ends the client.
        new Row("select echo 50000", ["serve", "--model", "select", "--prefix", "", "--quit", "none"], "select_client.py", "select_server.py", ["echo", "--style", "select"],
            "hello\nq\n\n", "%hello\n%q\n%", "hello\nq\n", "hello\nq\n"),
    ];

    [Theory]
    [MemberData(nameof(Rows))]
    public void OurServerAnswersTheTutorialsClient(Row row)
    {
        Assert.SkipUnless(TutorialPeer.PythonInstalled, "needs python3 for the tutorial's programs");
        using var server = ServerProcess.Start([.. row.OurServer, "--quiet"]);
        using var relay = new WireRelay(server.Port);
        var client = TutorialPeer.Client(row.TheirClient, relay.Port, row.Input);
        Assert.True(client.ExitCode == 0, $"exit {client.ExitCode}\n{client.Errors}\n{server.Transcript()}");
        Assert.Equal(row.Printed, client.Output);
        var (toServer, toClient) = relay.Bytes(Timeout);
        Assert.Equal(row.ToServer, toServer);
        Assert.Equal(row.ToClient, toClient);
    }

    [Theory]
    [MemberData(nameof(Rows))]
    public void OurClientTalksToTheTutorialsServer(Row row)
    {
        Assert.SkipUnless(TutorialPeer.PythonInstalled, "needs python3 for the tutorial's programs");
        using var server = TutorialPeer.Server(row.TheirServer, clients: 1);
        using var relay = new WireRelay(server.Port);
        var client = RawRun.Of(Binaries.Client, [.. row.OurClient, "--port", relay.Port.ToString()], row.Input);
        Assert.True(client.ExitCode == 0, $"exit {client.ExitCode}\n{client.Errors}\n{server.Transcript()}");
        Assert.Equal(row.Printed, client.Output);
        var (toServer, toClient) = relay.Bytes(Timeout);
        Assert.Equal(row.ToServer, toServer);
        Assert.Equal(row.ToClient, toClient);
    }

    private const string UdpInput = "hi\n\nthere\nq\n";

    // print "Received:", newdata[0]; an empty line is an empty datagram, echoed like any other; q is never sent.
    private const string UdpPrinted = $"{TypeSomething}Received: hi\n{TypeSomething}Received: \n{TypeSomething}Received: there\n{TypeSomething}";

    [Fact]
    public void OurUdpServerAnswersTheTutorialsUdpClient()
    {
        Assert.SkipUnless(TutorialPeer.PythonInstalled, "needs python3 for the tutorial's programs");
        using var server = ServerProcess.Start("udp", "--quiet");
        var client = TutorialPeer.Client("udp_client.py", server.Port, UdpInput);
        Assert.True(client.ExitCode == 0, client.Errors);
        Assert.Equal(UdpPrinted, client.Output);
    }

    [Fact]
    public void OurUdpClientTalksToTheTutorialsUdpServer()
    {
        Assert.SkipUnless(TutorialPeer.PythonInstalled, "needs python3 for the tutorial's programs");
        using var server = TutorialPeer.Server("udp_server.py", clients: 3);
        var client = RawRun.Of(Binaries.Client, ["echo", "--udp", "--port", server.Port.ToString()], UdpInput);
        Assert.True(client.ExitCode == 0, client.Errors);
        Assert.Equal(UdpPrinted, client.Output);
        Assert.Equal(0, server.WaitForExit(Timeout));
        // print address, ":said", data: the datagrams arrived as typed, without line endings.
        Assert.Equal([":said hi", ":said ", ":said there"], server.Output.Where(l => l.Contains(":said")).Select(l => l[l.IndexOf(":said")..]));
    }

    [Fact]
    public void OurChatServerTakesTurnsWithTheTutorialsChatClient()
    {
        Assert.SkipUnless(TutorialPeer.PythonInstalled, "needs python3 for the tutorial's programs");
        using var server = ServerProcess.Start("chat", "--peers", "1");
        server.StandardInput.Write("hi\nq\n");
        server.StandardInput.Flush();
        using var relay = new WireRelay(server.Port);
        var client = TutorialPeer.Client("chat_client.py", relay.Port, "yo\n");
        Assert.True(client.ExitCode == 0, client.Errors);
        // print "RECIEVED:", data ... print "I received", data: the tutorial's words, its spelling.
        Assert.Equal("RECIEVED: hi\nSEND( TYPE q or Q to Quit):I received q\n", client.Output);
        Assert.Equal(("yo", "hiq"), relay.Bytes(Timeout));
    }

    [Fact]
    public void OurChatClientTakesTurnsWithTheTutorialsChatServer()
    {
        Assert.SkipUnless(TutorialPeer.PythonInstalled, "needs python3 for the tutorial's programs");
        using var server = TutorialPeer.Server("chat_server.py", clients: 1);
        server.StandardInput.Write("hi\nq\n");
        server.StandardInput.Flush();
        using var relay = new WireRelay(server.Port);
        var client = RawRun.Of(Binaries.Client, ["chat", "--port", relay.Port.ToString()], "yo\n");
        Assert.True(client.ExitCode == 0, client.Errors);
        Assert.Equal(("yo", "hiq"), relay.Bytes(Timeout));
        // Its prompt has no line ending, so what it printed of our turn shares the prompt's line.
        Assert.Contains(server.Output, l => l.EndsWith("RECIEVED: yo"));
    }
}
