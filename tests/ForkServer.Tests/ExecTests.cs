using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using ForkServer.Tests.Support;

namespace ForkServer.Tests;

/// <summary>
/// <c>forkserver exec -- PROGRAM</c>, the super-server: what the program finds between fork and execve (descriptors,
/// signals, environment), side by side with Debian's tcpserver (ucspi-tcp) running the same handler; the README's
/// examples byte for byte; every way a program ends, logged; the per-address and per-second limits.
/// </summary>
[Trait("Category", "Linux")]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class ExecTests : IDisposable
{
    private const string Tcpserver = "/usr/bin/tcpserver";

    private readonly string _dir = Directory.CreateTempSubdirectory("forkserver-exec-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>
    /// A handler that prints what it was given: its signal masks first (read by the shell itself, before it has forked
    /// anything), then the UCSPI variables, then its descriptors with what each is (listed by ls from outside the shell).
    /// </summary>
    private string Handler()
    {
        string path = Path.Combine(_dir, "handler.sh");
        File.WriteAllText(path, """
            #!/bin/sh
            while read -r name value; do case $name in SigBlk:|SigIgn:|SigCgt:) echo "$name $value";; esac; done < /proc/$$/status
            env | grep -E '^(PROTO|TCP)' | sort
            ls -l /proc/$$/fd

            """.Replace("\r", ""));
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return path;
    }

    private static ServerProcess Exec(params string[] args) =>
        ServerProcess.Start(["exec", "--port", "0", "--log", "json", .. args]);

    private static string Fetch(int port, string input = "", string host = "127.0.0.1")
    {
        using var client = new TcpClientSession(port, host);
        client.Send(input);
        client.Socket.Shutdown(SocketShutdown.Send);
        return Encoding.UTF8.GetString(client.ReceiveToEnd());
    }

    private static Dictionary<string, string> Lines(string output, string prefix) =>
        output.Split('\n').Where(l => l.StartsWith(prefix, StringComparison.Ordinal))
            .Select(l => l[prefix.Length..].Split(' ', 2)).ToDictionary(p => p[0], p => p.Length > 1 ? p[1] : "");

    private static Dictionary<string, string> Variables(string output) =>
        output.Split('\n').Where(l => l.StartsWith("PROTO=", StringComparison.Ordinal) || l.StartsWith("TCP", StringComparison.Ordinal))
            .Select(l => l.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);

    [Fact]
    public void TheProgramGetsTcpserversVariablesOnlyDescriptors012AndNoSignalBlockedOrIgnored()
    {
        Assert.SkipUnless(File.Exists(Tcpserver), "tcpserver is not installed (Debian package ucspi-tcp)");
        string handler = Handler();

        int tcpPort = ClosedPort.Tcp();
        using var tcpserver = ServerProcess.Launch(Tcpserver, ["-RH", "127.0.0.1", tcpPort.ToString(), handler]);
        Assert.True(Wait.Until(() => CanConnect(tcpPort), TimeSpan.FromSeconds(20)), "tcpserver listens");
        string theirs = Fetch(tcpPort);

        using var server = Exec("--", handler);
        string ours = Fetch(server.Port);

        var theirVariables = Variables(theirs);
        var ourVariables = Variables(ours);
        foreach (string name in new[] { "PROTO", "TCPLOCALIP", "TCPREMOTEIP" })
        {
            Assert.Equal(theirVariables[name], ourVariables[name]);
        }
        Assert.Equal("TCP", ourVariables["PROTO"]);
        Assert.Equal(tcpPort.ToString(), theirVariables["TCPLOCALPORT"]);
        Assert.Equal(server.Port.ToString(), ourVariables["TCPLOCALPORT"]);
        Assert.True(int.Parse(ourVariables["TCPREMOTEPORT"]) > 0);
        // tcpserver 0.88 has no TCPCONNNUM (later versions and patches do): ours counts this client.
        Assert.Equal("1", ourVariables["TCPCONNNUM"]);
        Assert.Equal(theirVariables.Keys.Order(), ourVariables.Keys.Where(k => k != "TCPCONNNUM").Order());

        // The shell keeps its script open for itself; everything else is what the server left open. (ls writes to the
        // socket itself: in a pipeline, the shell would hold the pipe's read end while ls lists its descriptors.)
        var descriptors = ours.Split('\n').Select(l => l.Split(" -> ")).Where(p => p.Length == 2)
            .ToDictionary(p => p[0].Split(' ')[^1], p => p[1]).Where(d => d.Value != handler).ToDictionary();
        Assert.Equal(["0", "1", "2"], descriptors.Keys.Order());
        Assert.StartsWith("socket:", descriptors["0"]);
        Assert.Equal(descriptors["0"], descriptors["1"]);
        Assert.DoesNotContain("socket:", descriptors["2"]);

        var signals = Lines(ours, "Sig");
        Assert.Equal("0000000000000000", signals["Blk:"]);
        Assert.Equal("0000000000000000", signals["Ign:"]);
        Assert.Equal(Lines(theirs, "Sig")["Blk:"], signals["Blk:"]);
    }

    [Theory]
    [InlineData(Build.Jit)]
    [InlineData(Build.Aot)]
    public void AProgramThatTouchesNoSignalShowsNoneCaughtBlockedOrIgnoredAndOnlyItsThreeDescriptors(Build build)
    {
        using var server = ServerProcess.Start(build, "exec", "--port", "0", "--log", "json", "--", "cat");
        using var client = new TcpClientSession(server.Port);
        Assert.Equal("x", client.Exchange("x", "x"));
        // The parent logs the child once fork returns, which may be after the child has answered.
        Assert.True(Wait.Until(() => server.Events("forked").Count == 1, TimeSpan.FromSeconds(10)), server.Transcript());
        int child = server.Events("forked").Single().GetProperty("child").GetInt32();
        foreach (string mask in new[] { "SigBlk", "SigIgn", "SigCgt" })
        {
            Assert.Equal("0000000000000000", ProcFs.StatusField(child, mask));
        }
        Assert.Equal(["0", "1", "2"], Directory.GetFileSystemEntries($"/proc/{child}/fd").Select(Path.GetFileName).Order());
        Assert.Equal("cat", File.ReadAllText($"/proc/{child}/cmdline").TrimEnd('\0'));
        string environment = File.ReadAllText($"/proc/{child}/environ");
        Assert.Contains($"\0TCPREMOTEPORT={((IPEndPoint)client.Socket.LocalEndPoint!).Port}\0", "\0" + environment);
        Assert.DoesNotContain("NOTIFY_SOCKET", environment);
    }

    [Fact]
    public void TheStopSendsSigtermAndAfterTheGraceSigkillToAProgramThatIgnoresIt()
    {
        using var server = Exec("--grace", "1", "--", "sh", "-c", "trap '' TERM; echo ready; exec sleep 60");
        using var client = new TcpClientSession(server.Port);
        Assert.Equal("ready\n", client.ReceiveText(6));
        server.Signal(ProcFs.SIGTERM);
        Assert.Equal(0, server.WaitForExit(TimeSpan.FromSeconds(30)));
        Assert.True(client.ServerClosed());
        var stopped = Assert.Single(server.Events("stopped"));
        Assert.Equal(1, stopped.GetProperty("running_at_shutdown").GetInt32());
        Assert.Equal(1, stopped.GetProperty("killed").GetInt32());
        Assert.Equal("SIGKILL", server.Events("reaped").Single().GetProperty("signal").GetString());
    }

    [Fact]
    public void ForkserverPsListsTheProgramsWithTheirClients()
    {
        using var server = Exec("--", "cat");
        using var client = new TcpClientSession(server.Port);
        Assert.Equal("x", client.Exchange("x", "x"));
        Assert.True(Wait.Until(() => server.Events("forked").Count == 1, TimeSpan.FromSeconds(10)), server.Transcript());
        int child = server.Events("forked").Single().GetProperty("child").GetInt32();
        using var ps = ServerProcess.Launch(Binaries.Server, ["ps", "--pid", server.Pid.ToString()]);
        Assert.Equal(0, ps.WaitForExit(TimeSpan.FromSeconds(30)));
        string row = Assert.Single(ps.Output, l => l.TrimStart().StartsWith($"{child} "));
        Assert.EndsWith(client.LocalAddress, row);
    }

    [Fact]
    public void EnvCleanLeavesOnlyTheUcspiVariables()
    {
        using var server = Exec("--env-clean", "--", "/usr/bin/env");
        var names = Fetch(server.Port).Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split('=')[0]).Order();
        Assert.Equal(["PROTO", "TCPCONNNUM", "TCPLOCALIP", "TCPLOCALPORT", "TCPREMOTEIP", "TCPREMOTEPORT"], names);
    }

    [Fact]
    public void StderrToClientSendsTheProgramsErrorsToTheClient()
    {
        using var quiet = Exec("--", "sh", "-c", "echo out; echo err >&2");
        Assert.Equal("out\n", Fetch(quiet.Port));
        quiet.WaitForLine(l => l == "err", TimeSpan.FromSeconds(10));
        using var loud = Exec("--stderr-to-client", "--", "sh", "-c", "echo out; echo err >&2");
        Assert.Equal("out\nerr\n", Fetch(loud.Port));
    }

    [Fact]
    public void TheReadmesExamplesCatDateAndShellAnswerByteForByte()
    {
        using (var cat = Exec("--", "cat"))
        {
            Assert.Equal("hello\nworld\n", Fetch(cat.Port, "hello\nworld\n"));
            var forked = cat.WaitForLine(l => l.Contains("\"forked\""), TimeSpan.FromSeconds(10));
            Assert.Contains(": exec cat", forked);
        }
        using (var date = Exec("--", "date"))
        {
            string before = ProgramRun.Of("date", []).Output.Single() + "\n";
            string answer = Fetch(date.Port);
            string after = ProgramRun.Of("date", []).Output.Single() + "\n";
            Assert.True(answer == before || answer == after, $"date said '{answer}', between '{before}' and '{after}'");
        }
        using var shell = Exec("--", "sh", "-c", "echo \"hello $TCPREMOTEIP\"");
        Assert.Equal("hello 127.0.0.1\n", Fetch(shell.Port));
    }

    [Fact]
    public void AnIPv6ClientGetsItsAddressAsRfc5952WritesIt()
    {
        Assert.SkipUnless(Ipv6.Available, Ipv6.Missing);
        using var server = Exec("--host", "::1", "--", "sh", "-c", "echo \"$TCPLOCALIP $TCPREMOTEIP $TCPLOCALPORT\"");
        Assert.Equal($"::1 ::1 {server.Port}\n", Fetch(server.Port, host: "::1"));
    }

    [Fact]
    public void ArgumentsAfterTheDoubleDashAreTheProgramsEvenWhenTheyLookLikeOptionsOrResponseFiles()
    {
        using var server = Exec("--", "printf", "%s|", "--port", "@file", "-q");
        Assert.Equal("--port|@file|-q|", Fetch(server.Port));
    }

    [Fact]
    public void EveryWayAProgramEndsIsLoggedWithItsStatus()
    {
        string gone = Path.Combine(_dir, "gone.sh");
        string unrunnable = Path.Combine(_dir, "unrunnable.sh");
        foreach (string script in new[] { gone, unrunnable })
        {
            File.WriteAllText(script, "#!/bin/sh\necho never\n");
            File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserExecute);
        }
        using var three = Exec("--", "sh", "-c", "exit 3");
        using var killed = Exec("--", "sh", "-c", "kill -KILL $$");
        using var notFound = Exec("--", gone);
        using var notExecutable = Exec("--", unrunnable);
        // Found and runnable at start; gone, or no longer executable, by the time a client comes.
        File.Delete(gone);
        File.SetUnixFileMode(unrunnable, UnixFileMode.UserRead);

        foreach (var server in new[] { three, killed, notFound, notExecutable })
        {
            Assert.Equal("", Fetch(server.Port));
            Assert.True(Wait.Until(() => server.Events("reaped").Count == 1, TimeSpan.FromSeconds(15)), server.Transcript());
        }
        Assert.Equal(3, three.Events("reaped").Single().GetProperty("exit_code").GetInt32());
        Assert.Equal("SIGKILL", killed.Events("reaped").Single().GetProperty("signal").GetString());
        var missing = notFound.Events("reaped").Single();
        Assert.Equal(127, missing.GetProperty("exit_code").GetInt32());
        Assert.Contains("not found", missing.GetProperty("message").GetString());
        // Even root may not execute a file with no x bit at all.
        var refused = notExecutable.Events("reaped").Single();
        Assert.Equal(126, refused.GetProperty("exit_code").GetInt32());
        Assert.Contains("not executable", refused.GetProperty("message").GetString());
    }

    [Fact]
    public void AChildWhoseExecFailsHasAllocatedNothingOnTheManagedHeap()
    {
        string gone = Path.Combine(_dir, "gone.sh");
        File.WriteAllText(gone, "#!/bin/sh\n");
        File.SetUnixFileMode(gone, UnixFileMode.UserRead | UnixFileMode.UserExecute);
        using var server = ServerProcess.StartUnder(["/usr/bin/env", "FORKSERVER_REPORT_CHILD_ALLOCATIONS=1"], Build.Jit,
            "exec", "--port", "0", "--quiet", "--", gone);
        File.Delete(gone);
        for (int i = 0; i < 10; i++)
        {
            Assert.Equal("", Fetch(server.Port));
        }
        List<long> Reports() =>
            [.. server.Errors.Where(l => l.StartsWith("child-allocations ")).Select(l => l.Split(' '))
                .Where(w => int.Parse(w[1]) != server.Pid).Select(w => long.Parse(w[2]))];
        Assert.True(Wait.Until(() => Reports().Count == 10, TimeSpan.FromSeconds(15)), server.Transcript());
        Assert.All(Reports(), bytes => Assert.Equal(0, bytes));
    }

    [Fact]
    public void AProgramThatCannotBeRunIsOneLineAtStartAndExit2()
    {
        var missing = ProgramRun.Of(Binaries.Server, ["exec", "--port", "0", "--", "no-such-program-here"]);
        Assert.Equal(2, missing.ExitCode);
        Assert.Contains("forkserver: cannot run no-such-program-here: not found on PATH (", Assert.Single(missing.Errors));
        string file = Path.Combine(_dir, "plain.txt");
        File.WriteAllText(file, "not a program\n");
        var plain = ProgramRun.Of(Binaries.Server, ["exec", "--port", "0", "--", file]);
        Assert.Equal(2, plain.ExitCode);
        Assert.Contains($"forkserver: cannot run {file}: ", Assert.Single(plain.Errors));
        var none = ProgramRun.Of(Binaries.Server, ["exec", "--port", "0"]);
        Assert.Equal(2, none.ExitCode);
        Assert.Single(none.Errors);
    }

    [Fact]
    public void MaxPerIpServesTwoFromOneAddressRefusesTheRestOnceLoggedAndServesAnotherAddress()
    {
        using var server = Exec("--max-per-ip", "2", "--", "sh", "-c", "echo \"$TCPCONNNUM\"; exec cat");
        var served = Enumerable.Range(0, 2).Select(_ => new TcpClientSession(server.Port)).ToList();
        Assert.Equal(["1\n", "2\n"], served.Select(c => c.ReceiveText(2)));
        for (int i = 0; i < 3; i++)
        {
            using var refused = new TcpClientSession(server.Port);
            Assert.Equal("too many connections from your address\n", Encoding.UTF8.GetString(refused.ReceiveToEnd()));
        }
        using (var other = new TcpClientSession(server.Port, from: "127.0.0.2"))
        {
            Assert.Equal("1\n", other.ReceiveText(2));
        }
        Assert.Equal("still here", served[0].Exchange("still here", "still here"));
        // The log's lines reach the test on a reader thread of their own, maybe after the client's bytes.
        Assert.True(Wait.Until(() => server.ErrorEvents("refusing").Count > 0, TimeSpan.FromSeconds(10)), server.Transcript());
        var refusing = Assert.Single(server.ErrorEvents("refusing"));
        Assert.Equal("127.0.0.1", refusing.GetProperty("source").GetString());

        served.ForEach(c => c.Dispose());
        var admitting = server.WaitForLine(l => l.Contains("\"admitting\""), TimeSpan.FromSeconds(15));
        Assert.Contains("\"refused\":3", admitting);
        // The source is below its limit once the first of the two is reaped; the next client is the only one once both
        // are (with the one from 127.0.0.2: three children reaped, the refused ones were never forked).
        Assert.True(Wait.Until(() => server.Events("reaped").Count >= 3, TimeSpan.FromSeconds(15)), server.Transcript());
        Assert.Equal("1\n", new TcpClientSession(server.Port).ReceiveText(2));
    }

    [Fact]
    public void RateLetsAtMostTenInAnySecondAndServesABurstOfAHundredInTheEnd()
    {
        using var server = Exec("--rate", "10/1", "--", "echo", "ok");
        var clients = Enumerable.Range(0, 100).Select(_ => new TcpClientSession(server.Port)).ToList();
        foreach (var client in clients)
        {
            client.Socket.ReceiveTimeout = 60_000;
        }
        var answers = clients.Select(c => Encoding.UTF8.GetString(c.ReceiveToEnd())).ToList();
        Assert.All(answers, a => Assert.Equal("ok\n", a));
        clients.ForEach(c => c.Dispose());

        server.AssertAcceptedAtMost(10, 100);
    }

    [Fact]
    public void RateAndMaxPerIpRefuseBadValuesInOneLine()
    {
        foreach (var (option, value) in new[] { ("--rate", "10"), ("--rate", "0/1"), ("--rate", "10/0"), ("--rate", "x/y"), ("--max-per-ip", "0") })
        {
            var run = ProgramRun.Of(Binaries.Server, ["exec", option, value, "--", "cat"]);
            Assert.Equal(2, run.ExitCode);
            Assert.StartsWith($"forkserver: {option}: '{value}' is not", Assert.Single(run.Errors));
        }
    }

    [Fact]
    public void MaxPerIpAppliesToTheInProcessModelsToo()
    {
        foreach (string model in new[] { "thread", "select", "fork" })
        {
            using var server = ServerProcess.Start("--model", model, "--max-per-ip", "1", "--log", "json");
            using var first = new TcpClientSession(server.Port);
            Assert.Equal("you send:a", first.Exchange("a", "you send:a"));
            using var second = new TcpClientSession(server.Port);
            Assert.Equal("too many connections from your address\n", Encoding.UTF8.GetString(second.ReceiveToEnd()));
        }
    }


    private static bool CanConnect(int port)
    {
        try
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            socket.Connect(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
