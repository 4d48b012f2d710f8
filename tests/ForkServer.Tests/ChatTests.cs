using ForkServer.Tests.Support;

namespace ForkServer.Tests;

/// <summary>forkserver chat and forkclient chat, both sides driven by piped standard input: turns alternate, q ends both.</summary>
[Trait("Category", "Linux")]
public sealed class ChatTests
{
    [Fact]
    public void TheServerTypesFirstAndTheSidesTakeTurnsUntilTheServerSaysQ()
    {
        using var server = ServerProcess.Start("chat", "--peers", "1");
        server.StandardInput.Write("s1\ns2\nq\n");
        server.StandardInput.Flush();
        var client = ProgramRun.Client("c1\nc2\nc3\n", "chat", "--port", server.Port.ToString());
        Assert.True(client.ExitCode == 0, client.Transcript());
        Assert.Equal(["Server: s1", "Server: s2", "Server ended the chat"], client.Output);
        Assert.Equal(0, server.WaitForExit(TimeSpan.FromSeconds(20)));
        Assert.Equal(["Client: c1", "Client: c2"], server.Output.Where(l => l.StartsWith("Client")));
    }

    /// <summary>
    /// Descriptor 0 is then the runtime's own (/dev/urandom under NativeAOT): the chat sent its bytes to the peer as
    /// its turns.
    /// </summary>
    [Theory]
    [InlineData(Build.Jit)]
    [InlineData(Build.Aot)]
    public void AChatServerWithStandardInputClosedIsRefusedInOneLine(Build build)
    {
        var run = ProgramRun.Of("/bin/bash", ["-c", "exec \"$@\" <&-", "-", Binaries.ServerFor(build), "chat", "--port", "0"]);
        Assert.True(run.ExitCode == 2, run.Transcript());
        Assert.EndsWith("forkserver: standard input is closed, and the chat's turns are read from it: give it a terminal or a file",
            Assert.Single(run.Errors, l => l.Length > 0));
    }

    /// <summary>The same for forkclient, whose echo and chat read their lines there: one line, before it connects.</summary>
    [Theory]
    [InlineData("echo")]
    [InlineData("chat")]
    public void AClientWithStandardInputClosedIsRefusedInOneLine(string command)
    {
        using var server = ServerProcess.Start(command == "chat" ? ["chat", "--peers", "1"] : []);
        var run = ProgramRun.Of("/bin/bash", ["-c", "exec \"$@\" <&-", "-", Binaries.Client, command, "--port", server.Port.ToString()]);
        Assert.True(run.ExitCode == 2, run.Transcript());
        Assert.Equal($"forkclient: standard input is closed, and {(command == "chat" ? "the chat's turns are" : "each line to send is")} read from it: give it a terminal or a file",
            Assert.Single(run.Errors, l => l.Length > 0));
        Assert.DoesNotContain(server.Output, l => l.Contains("accepted") || l.Contains("joined"));
    }

    [Fact]
    public void QFromTheClientEndsBothSides()
    {
        using var server = ServerProcess.Start("chat", "--peers", "1");
        server.StandardInput.Write("s1\ns2\n");
        server.StandardInput.Flush();
        var client = ProgramRun.Client("Q\n", "chat", "--port", server.Port.ToString());
        Assert.Equal(0, client.ExitCode);
        Assert.Equal(["Server: s1"], client.Output);
        Assert.Equal(0, server.WaitForExit(TimeSpan.FromSeconds(20)));
        Assert.Contains("Client ended the chat", server.Output);
        Assert.DoesNotContain(server.Output, l => l.StartsWith("Client: "));
    }
}
