using System.Net;
using System.Net.Sockets;
using System.Text;
using ForkServer.Tests.Support;

namespace ForkServer.Tests;

/// <summary>
/// What a new or a hostile user meets first: option values that do not parse or mean something else, IPv6 peers,
/// values that look like options, a closed standard input, root on every interface, control characters from a peer,
/// and too few descriptors to start. Each gets one clear line, and nothing is lost.
/// </summary>
[Trait("Category", "Linux")]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class InputTests
{
    /// <summary>Every option that takes a value, of every command, with values that do not parse or are out of range.</summary>
    public static TheoryData<string, string[], string> BadValues => new()
    {
        { "server", ["--port", "abc"], "--port: 'abc' is not a whole number from 0 to 65535" },
        { "server", ["--port", "65536"], "--port: '65536' is not a whole number from 0 to 65535" },
        { "server", ["serve", "-p", "-1"], "--port: '-1' is not a whole number from 0 to 65535" },
        { "server", ["--max-children", "abc"], "--max-children: 'abc' is not a whole number from 1 to 65536" },
        { "server", ["--max-children", "99999999999"], "--max-children: '99999999999' is not a whole number from 1 to 65536" },
        { "server", ["--max-children", "0"], "--max-children: '0' is not a whole number from 1 to 65536" },
        { "server", ["--grace", "abc"], "--grace: 'abc' is not a number of seconds from 0 to 31536000" },
        { "server", ["--grace", "1e20"], "--grace: '1e20' is not a number of seconds from 0 to 31536000" },
        { "server", ["--idle-timeout", "abc"], "--idle-timeout: 'abc' is not a number of seconds from 0.001 to 31536000" },
        { "server", ["--idle-timeout", "1e20"], "--idle-timeout: '1e20' is not a number of seconds from 0.001 to 31536000" },
        { "server", ["--idle-timeout", "Infinity"], "--idle-timeout: 'Infinity' is not a number of seconds from 0.001 to 31536000" },
        { "server", ["--idle-timeout", "0.0000001"], "--idle-timeout: '0.0000001' is not a number of seconds from 0.001 to 31536000" },
        { "server", ["--session-timeout", "NaN"], "--session-timeout: 'NaN' is not a number of seconds from 0 to 31536000" },
        { "server", ["--workers", "x"], "--workers: 'x' is not a whole number from 1 to 1024" },
        { "server", ["--workers", "1000000"], "--workers: '1000000' is not a whole number from 1 to 1024" },
        { "server", ["--max-message", "1e3"], "--max-message: '1e3' is not a whole number from 1 to 16777216" },
        { "server", ["--max-message", "2147483647"], "--max-message: '2147483647' is not a whole number from 1 to 16777216" },
        { "server", ["--max-message", "2147483600"], "--max-message: '2147483600' is not a whole number from 1 to 16777216" },
        { "server", ["--leave-orphan", "abc"], "--leave-orphan: 'abc' is not a number of seconds from 0 to 86400" },
        { "server", ["--model", "forks"], "--model: 'forks' is not one of fork, iterative, thread, select, prefork, spawn" },
        { "server", ["--reap", "sometimes"], "--reap: 'sometimes' is not one of signal, accept, none, ignore" },
        { "server", ["--protocol", "http"], "--protocol: 'http' is not one of echo, greet" },
        { "server", ["--log", "xml"], "--log: 'xml' is not one of text, json" },
        { "server", ["--quit", "x"], "--quit: 'x' is not one of q, none" },
        { "server", ["udp", "--port", "x"], "--port: 'x' is not a whole number from 0 to 65535" },
        { "server", ["chat", "--port", "x"], "--port: 'x' is not a whole number from 0 to 65535" },
        { "server", ["chat", "--peers", "-2"], "--peers: '-2' is not a whole number from 0 to 2147483647" },
        { "server", ["chat", "--max-message", "0"], "--max-message: '0' is not a whole number from 1 to 16777216" },
        { "server", ["demo", "zombie", "--hold", "abc"], "--hold: 'abc' is not a number of seconds from 0 to 86400" },
        { "server", ["demo", "orphan", "--hold", "-1"], "--hold: '-1' is not a number of seconds from 0 to 86400" },
        { "server", ["ps", "--pid", "x"], "--pid: 'x' is not a whole number from 1 to 2147483647" },
        { "server", ["spawned-child", "--fd", "99999999999"], "--fd: '99999999999' is not a whole number from 0 to 2147483647" },
        { "server", ["spawned-child", "--clients", "0"], "--clients: '0' is not a whole number from 1 to 2147483647" },
        { "client", ["echo", "--port", "0"], "--port: '0' is not a whole number from 1 to 65535" },
        { "client", ["echo", "--style", "fancy"], "--style: 'fancy' is not one of tcp, udp, exception, fork, thread, select" },
        { "client", ["greet", "--port", "abc"], "--port: 'abc' is not a whole number from 1 to 65535" },
        { "client", ["chat", "--max-message", "x"], "--max-message: 'x' is not a whole number from 1 to 16777216" },
        { "client", ["bench", "--connections", "0"], "--connections: '0' is not a whole number from 1 to 100000000" },
        { "client", ["bench", "-c", "abc"], "--concurrency: 'abc' is not a whole number from 1 to 10000" },
        { "client", ["bench", "--rounds", "1.5"], "--rounds: '1.5' is not a whole number from 1 to 1000000" },
        { "client", ["bench", "--size", "0"], "--size: '0' is not a whole number from 1 to 65536" },
        { "client", ["bench", "--timeout", "0"], "--timeout: '0' is not a number of seconds from 0.001 to 3600" },
        { "client", ["bench", "--hold", "-1"], "--hold: '-1' is not a number of seconds from 0 to 3600" },
        { "client", ["bench", "--protocol", "x"], "--protocol: 'x' is not one of echo, greet" },
    };

    [Theory]
    [MemberData(nameof(BadValues))]
    public void AValueThatDoesNotParseOrIsOutOfRangeIsOneLineAndExitCode2(string program, string[] args, string expected)
    {
        var run = ProgramRun.Of(program == "server" ? Binaries.Server : Binaries.Client, args);
        Assert.Equal(2, run.ExitCode);
        string error = Assert.Single(run.Errors, l => l.Length > 0);
        Assert.Equal($"{(program == "server" ? "forkserver" : "forkclient")}: {expected}", error);
        Assert.Empty(run.Output);
    }

    /// <summary>The resolver takes an empty name for the machine's own: an empty --host listened on that, silently.</summary>
    [Theory]
    [InlineData("server", "serve", "", 2)]
    [InlineData("server", "udp", " ", 2)]
    [InlineData("client", "echo", "", 1)]
    public void AnEmptyHostIsRefusedInOneLine(string program, string command, string host, int exitCode)
    {
        var run = ProgramRun.Of(program == "server" ? Binaries.Server : Binaries.Client, [command, "--host", host, "--port", program == "server" ? "0" : "1"]);
        Assert.Equal(exitCode, run.ExitCode);
        string error = Assert.Single(run.Errors, l => l.Length > 0);
        Assert.EndsWith($": host '{host}' is empty; use an IP address such as 127.0.0.1", error);
    }

    [Fact]
    public void AnUnknownOptionIsOneLineToo()
    {
        var run = ProgramRun.Of(Binaries.Server, ["--bogus"]);
        Assert.Equal(2, run.ExitCode);
        Assert.StartsWith("forkserver: ", Assert.Single(run.Errors, l => l.Length > 0));
    }

    [Fact]
    public void TooFewDescriptorsToStartIsOneLineNamingTheLimit()
    {
        Assert.SkipUnless(File.Exists("/usr/bin/prlimit"), "needs prlimit (util-linux)");
        var run = ProgramRun.Of("/usr/bin/prlimit", ["--nofile=30", Binaries.Server, "--port", "0"]);
        Assert.Equal(1, run.ExitCode);
        string error = Assert.Single(run.Errors, l => l.Length > 0);
        Assert.Equal("forkserver: cannot open its own files: the limit on open files is 30, and this build needs about 64 to start; raise it (ulimit -n 1024)", error);
    }

    public static TheoryData<string> Models => ["fork", "prefork", "spawn", "thread", "select"];

    /// <summary>Linux's AF_INET6 is 10, not .NET's 23: an IPv6 client is logged as what it is, in every model.</summary>
    [Theory]
    [MemberData(nameof(Models))]
    public void AnIPv6ClientIsLoggedAsItsAddress(string model)
    {
        Assert.SkipUnless(Ipv6.Available, Ipv6.Missing);
        using var server = ServerProcess.Start(model == "spawn" ? Build.Aot : Build.Jit, "--model", model, "--host", "::1", "--log", "json");
        using var client = new TcpClientSession(server.Port, "::1");
        Assert.Equal("you send:six", client.Exchange("six", "you send:six"));
        string peer = $"[::1]:{((IPEndPoint)client.Socket.LocalEndPoint!).Port}";
        Assert.True(Wait.Until(() => server.Events("accepted").Any(e => e.GetProperty("peer").GetString() == peer), TimeSpan.FromSeconds(10)),
            $"no accepted event for {peer}:\n{server.Transcript()}");
    }

    [Fact]
    public void ADualStackServerLogsAnIPv4ClientAsIPv4AndPsShowsIPv6ClientsInBrackets()
    {
        Assert.SkipUnless(Ipv6.Available, Ipv6.Missing);
        using var server = ServerProcess.Start("--host", "::", "--allow-root", "--log", "json");
        using var four = new TcpClientSession(server.Port, "127.0.0.1");
        using var six = new TcpClientSession(server.Port, "::1");
        Assert.Equal("you send:4", four.Exchange("4", "you send:4"));
        Assert.Equal("you send:6", six.Exchange("6", "you send:6"));
        string sixPeer = $"[::1]:{((IPEndPoint)six.Socket.LocalEndPoint!).Port}";
        Assert.True(Wait.Until(() => server.Events("forked").Select(e => e.GetProperty("peer").GetString()).ToHashSet() is var peers
            && peers.Contains(four.LocalAddress) && peers.Contains(sixPeer), TimeSpan.FromSeconds(10)), server.Transcript());
        var ps = ProgramRun.Of(Binaries.Server, ["ps", "--pid", server.Pid.ToString()]);
        Assert.Contains(ps.Output, l => l.EndsWith(" " + sixPeer));
        Assert.Contains(ps.Output, l => l.EndsWith(" " + four.LocalAddress));
    }

    [Fact]
    public void AnIPv4MappedAddressServesIPv4Clients()
    {
        Assert.SkipUnless(Ipv6.Available, Ipv6.Missing);
        using var server = ServerProcess.Start("--host", "::ffff:127.0.0.1", "--quiet");
        using var client = new TcpClientSession(server.Port, "127.0.0.1");
        Assert.Equal("you send:mapped", client.Exchange("mapped", "you send:mapped"));
    }

    [Theory]
    [InlineData("@bot> ")]
    [InlineData("@/etc/passwd")]
    [InlineData("--model")]
    public void ASpawnedChildTakesAPrefixThatLooksLikeAnOptionOrAResponseFileAsText(string prefix)
    {
        using var server = ServerProcess.Start(Build.Aot, "--model", "spawn", "--prefix", prefix, "--quiet");
        using var client = new TcpClientSession(server.Port);
        Assert.Equal(prefix + "hi", client.Exchange("hi", prefix + "hi"));
    }

    [Fact]
    public void TheSpawnModelRunsItsOwnProgramEvenWhenTheFileIsDeleted()
    {
        string copy = Path.Combine(Path.GetTempPath(), $"forkserver-{Guid.NewGuid():N}");
        File.Copy(Binaries.ServerFor(Build.Aot), copy);
        File.SetUnixFileMode(copy, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        try
        {
            using var server = ServerProcess.Launch(copy, ["--model", "spawn", "--port", "0"]);
            string line = server.WaitForLine(l => l.Contains("listening on"), TimeSpan.FromSeconds(30));
            int port = int.Parse(line.Split("listening on ")[1].Split(' ')[0].Split(':')[^1]);
            File.Delete(copy);
            using var client = new TcpClientSession(port);
            Assert.Equal("you send:still", client.Exchange("still", "you send:still"));
        }
        finally
        {
            File.Delete(copy);
        }
    }

    [Theory]
    [InlineData(Build.Jit)]
    [InlineData(Build.Aot)]
    public void TheSelectServerStartedWithStandardInputClosedServesAndSaysNothingTypedStopsIt(Build build)
    {
        using var server = ServerProcess.StartUnder(["/bin/bash", "-c", "exec \"$@\" <&-", "-"], build, "--model", "select");
        Assert.Contains(server.Output, l => l.Contains("listening on") && l.Contains("standard input is closed, so nothing typed stops it"));
        Thread.Sleep(500);
        Assert.False(server.HasExited);
        BadInputTests.AssertStillServes(server);
        server.Signal(ProcFs.SIGTERM);
        Assert.Equal(0, server.WaitForExit(TimeSpan.FromSeconds(20)));
    }

    [Fact]
    public void TheSelectServerStopsAtTheEndOfItsStandardInputAsTheTutorialsDoes()
    {
        using var server = ServerProcess.Start("--model", "select");
        Assert.Contains(server.Output, l => l.Contains("a line on standard input, or its end, stops it"));
        server.StandardInput.Close();
        Assert.Equal(0, server.WaitForExit(TimeSpan.FromSeconds(20)));
        Assert.Contains(server.Output, l => l.Contains("the end of standard input: stopped accepting"));
    }

    [Theory]
    [InlineData("udp")]
    [InlineData("chat")]
    [InlineData("serve")]
    public void AsRootOnEveryInterfaceAServerRefusesWithoutUserAndRunsAsTheUserWithIt(string command)
    {
        Assert.SkipUnless(ProcFs.IsRoot, "needs root");
        var refused = ProgramRun.Of(Binaries.Server, [command, "--host", "0.0.0.0", "--port", "0"]);
        Assert.Equal(2, refused.ExitCode);
        Assert.Contains("refusing to serve 0.0.0.0 as root: add --user nobody", Assert.Single(refused.Errors, l => l.Length > 0));

        using var server = ServerProcess.Start(command, "--host", "0.0.0.0", "--user", "nobody");
        Assert.All(ProcFs.Uids(server.Pid), uid => Assert.Equal(65534, uid));
    }

    [Fact]
    public void ChatShowsThePeersControlCharactersAsQuestionMarks()
    {
        using var server = ServerProcess.Start("chat", "--peers", "1");
        server.StandardInput.Write("hi\nq\n");
        server.StandardInput.Flush();
        using (var peer = new TcpClientSession(server.Port))
        {
            Assert.Equal("hi", peer.ReceiveText(2));
            // A fake log line, a window title and a clear-screen, all in one message.
            peer.Send("x\n01:00:00.000 [1] forked child 2\u001b]0;owned\u0007\u001b[2J");
            Assert.Equal("q", peer.ReceiveText(1));
        }
        Assert.Equal(0, server.WaitForExit(TimeSpan.FromSeconds(20)));
        string line = Assert.Single(server.Output, l => l.StartsWith("Client: "));
        Assert.Equal("Client: x?01:00:00.000 [1] forked child 2?]0;owned??[2J", line);
        Assert.DoesNotContain(server.Output, l => l.Contains('\u001b'));
    }

    [Fact]
    public void AChatTurnOfManySegmentsArrivesAsOneTurnAndALineOverTheBoundIsNotSent()
    {
        using var server = ServerProcess.Start("chat", "--peers", "1", "--max-message", "300000");
        string big = new('b', 250_000);
        string tooBig = new('t', 300_001);
        using (var peer = new TcpClientSession(server.Port))
        {
            // The server's first line is too long and is not sent; its next line is. Written while the server reads,
            // as a pipe larger than its buffer must be.
            var typing = new Thread(() =>
            {
                server.StandardInput.Write(tooBig + "\nsmall\nq\n");
                server.StandardInput.Flush();
            });
            typing.Start();
            Assert.Equal("small", peer.ReceiveText(5));
            peer.Send(big);
            Assert.Equal("q", peer.ReceiveText(1));
            Assert.True(typing.Join(TimeSpan.FromSeconds(20)));
        }
        Assert.Equal(0, server.WaitForExit(TimeSpan.FromSeconds(20)));
        Assert.Equal(["Client: " + big], server.Output.Where(l => l.StartsWith("Client: ")));
        Assert.Contains(server.Errors, l => l.Contains("a turn is at most 300000 bytes (--max-message) and this line has 300001; not sent"));
    }

    [Fact]
    public void PsRefusesAPidThatIsNotAServerAndShowsACommandLinesControlCharactersAsQuestionMarks()
    {
        var notServer = ProgramRun.Of(Binaries.Server, ["ps", "--pid", "1"]);
        Assert.Equal(2, notServer.ExitCode);
        Assert.Matches(@"^forkserver ps: process 1 \(.*\) is not a ForkServer server", Assert.Single(notServer.Errors, l => l.Length > 0));

        using var server = ServerProcess.Start("--prefix", "\u001b]0;owned\u0007\nfake line", "--quiet");
        var ps = ProgramRun.Of(Binaries.Server, ["ps", "--pid", server.Pid.ToString()]);
        Assert.Equal(0, ps.ExitCode);
        Assert.Contains("--prefix ?]0;owned??fake line", ps.Output.First());
        Assert.DoesNotContain(ps.Output, l => l.Contains('\u001b'));
    }

    /// <summary>Under --reap none the zombies keep the slots of --max-children: the lesson stays, and the log says why.</summary>
    [Fact]
    public void UnderReapNoneTheLogSaysTheZombiesFillTheSlots()
    {
        using var server = ServerProcess.Start("--reap", "none", "--max-children", "3");
        for (int i = 0; i < 3; i++)
        {
            using var client = new TcpClientSession(server.Port);
            Assert.Equal("you send:z", client.Exchange("z", "you send:z"));
            client.Send("q");
            Assert.True(client.ServerClosed());
        }
        using var fourth = new TcpClientSession(server.Port);
        fourth.Send("waits");
        server.WaitForLine(l => l.Contains("3 children, the limit (--max-children 3); 3 of them are zombies that have not been reaped, and a zombie keeps its slot until it is"),
            TimeSpan.FromSeconds(10));
        Assert.False(fourth.Socket.Poll(TimeSpan.FromMilliseconds(500), SelectMode.SelectRead), "served past the limit");
    }
}
