using ForkServer.Tests.Support;

namespace ForkServer.Tests;

/// <summary>forkclient greet and echo as a user sees them, with standard input piped in, against the tutorial's servers.</summary>
[Trait("Category", "Linux")]
public sealed class ClientTests
{
    public const string EchoPrompt = "Enter data to send to server: press q or Q to quit:";

    [Fact]
    public void GreetPrintsReceivedData()
    {
        using var server = ServerProcess.Start("--model", "iterative", "--protocol", "greet", "--quiet");
        var run = ProgramRun.Client("", "greet", "--port", server.Port.ToString());
        Assert.Equal(0, run.ExitCode);
        // The tutorial's greeting ends in two spaces and a line ending; print adds one more.
        Assert.Equal(["Received data: Thank you for Connecting  ", ""], run.Output);
    }

    [Theory]
    [InlineData("iterative", "You Send:")]
    [InlineData("fork", "you send:")]
    [InlineData("thread", "")]
    [InlineData("select", "")]
    public void EchoPromptsPrintsRepliesAndEndsOnQ(string model, string prefix)
    {
        using var server = ServerProcess.Start("--model", model, "--prefix", prefix, "--quiet");
        var run = ProgramRun.Client("hello\nworld\nq\n", "echo", "--port", server.Port.ToString());
        Assert.True(run.ExitCode == 0, run.Transcript());
        Assert.Equal([EchoPrompt, prefix + "hello", EchoPrompt, prefix + "world", EchoPrompt], run.Output);
        // The server is free for the next client.
        using var next = new TcpClientSession(server.Port);
        Assert.Equal(prefix + "next", next.Exchange("next", prefix + "next"));
    }

    [Theory]
    [InlineData("only line\n")]
    [InlineData("only line\n\nnever sent\n")]
    public void EchoEndsWithStatusZeroAtTheEndOfItsInputOrAnEmptyLine(string input)
    {
        using var server = ServerProcess.Start("--model", "thread", "--prefix", "You Send:", "--quiet");
        var run = ProgramRun.Client(input, "echo", "--port", server.Port.ToString());
        Assert.Equal(0, run.ExitCode);
        Assert.Equal([EchoPrompt, "You Send:only line", EchoPrompt], run.Output);
    }

    [Theory]
    [InlineData("echo", "forkserver")]
    [InlineData("greet", "forkserver serve --protocol greet --model iterative")]
    [InlineData("chat", "forkserver chat")]
    public void ConnectingToAClosedPortIsOneLineNamingTheServerToStartAndStatusOne(string command, string server)
    {
        int port = ClosedPort.Tcp();
        var run = ProgramRun.Client("hi\n", command, "--port", port.ToString());
        Assert.Equal(1, run.ExitCode);
        string error = Assert.Single(run.Errors, l => l.Length > 0);
        Assert.Equal($"forkclient: connection to 127.0.0.1:{port} refused: no server is listening there (start one with: {server} --port {port})", error);
    }
}
