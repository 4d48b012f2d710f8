using System.Net.Sockets;
using System.Text;
using ForkServer.Tests.Support;

namespace ForkServer.Tests;

/// <summary>
/// Sockets from outside and more than one server on a port: systemd's socket activation (LISTEN_FDS, LISTEN_PID) as
/// Debian's <c>systemd-socket-activate</c> does it, readiness to a NOTIFY_SOCKET the test owns, and SO_REUSEPORT.
/// </summary>
[Trait("Category", "Linux")]
public sealed class SocketActivationTests
{
    private const string Activate = "/usr/bin/systemd-socket-activate";

    [Fact]
    public void UnderSocketActivationTheServerServesTheSocketItWasGivenAndItsProgramsDoNotSeeTheVariables()
    {
        Assert.SkipUnless(File.Exists(Activate), "systemd-socket-activate is not installed (Debian package systemd)");
        int port = ClosedPort.Tcp();
        using var server = Activated(port, "exec", "--port", "0", "--log", "json", "--", "sh", "-c", "echo \"[$LISTEN_FDS][$LISTEN_PID][$$]\"");
        using var client = new TcpClientSession(port);
        // The port given to systemd-socket-activate, not one of the server's own (it was asked for port 0).
        server.WaitForLine(l => l.Contains($"listening on 127.0.0.1:{port} "), TimeSpan.FromSeconds(30));
        string answer = Encoding.UTF8.GetString(client.ReceiveToEnd());
        Assert.Matches(@"^\[\]\[\]\[\d+\]\n$", answer);
        // systemd-socket-activate exec'd the server, and the server's own re-exec kept the pid LISTEN_PID named.
        Assert.Equal(server.Pid, server.Events("listening").Single().GetProperty("pid").GetInt32());
    }

    [Fact]
    public void TheForkModelServesAnActivatedSocketToo()
    {
        Assert.SkipUnless(File.Exists(Activate), "systemd-socket-activate is not installed (Debian package systemd)");
        int port = ClosedPort.Tcp();
        using var server = Activated(port, "--port", "0");
        using var client = new TcpClientSession(port);
        Assert.Equal("you send:hi", client.Exchange("hi", "you send:hi"));
        server.WaitForLine(l => l.Contains($"listening on 127.0.0.1:{port} "), TimeSpan.FromSeconds(30));
    }

    /// <summary>
    /// The server under systemd-socket-activate, which binds <paramref name="port"/> and starts the server when the
    /// first client connects (so nothing waits for its "listening" line here).
    /// </summary>
    private static ServerProcess Activated(int port, params string[] args)
    {
        var activator = ServerProcess.Launch(Activate, ["-l", $"127.0.0.1:{port}", Binaries.Server, .. args]);
        activator.WaitForLine(l => l.Contains($"Listening on 127.0.0.1:{port}"), TimeSpan.FromSeconds(20));
        return activator;
    }

    [Fact]
    public void ListenVariablesForAnotherProcessAreIgnored()
    {
        using var server = ServerProcess.StartUnder(["env", "LISTEN_FDS=1", "LISTEN_PID=1"], Build.Jit, "--log", "json");
        using var client = new TcpClientSession(server.Port);
        Assert.Equal("you send:hi", client.Exchange("hi", "you send:hi"));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void NotifySocketGetsReadyOnceListeningAndStoppingAtShutdown(bool isAbstract)
    {
        string name = $"forkserver-notify-{Environment.ProcessId}-{Guid.NewGuid():N}";
        string path = isAbstract ? "\0" + name : Path.Combine(Path.GetTempPath(), name);
        using var notify = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified) { ReceiveTimeout = 30_000 };
        notify.Bind(new UnixDomainSocketEndPoint(path));
        try
        {
            using var server = ServerProcess.StartUnder(["env", $"NOTIFY_SOCKET={(isAbstract ? "@" + name : path)}"], Build.Jit,
                "exec", "--port", "0", "--", "sh", "-c", "echo \"[$NOTIFY_SOCKET]\"");
            var buffer = new byte[256];
            Assert.Equal("READY=1", Encoding.ASCII.GetString(buffer, 0, notify.Receive(buffer)));
            using (var client = new TcpClientSession(server.Port))
            {
                Assert.Equal("[]\n", Encoding.UTF8.GetString(client.ReceiveToEnd()));
            }
            server.Signal(ProcFs.SIGTERM);
            Assert.Equal("STOPPING=1", Encoding.ASCII.GetString(buffer, 0, notify.Receive(buffer)));
            Assert.Equal(0, server.WaitForExit(TimeSpan.FromSeconds(20)));
        }
        finally
        {
            if (!isAbstract)
            {
                File.Delete(path);
            }
        }
    }

    [Fact]
    public void TwoServersWithReusePortShareThePortAndBothServe()
    {
        using var first = ServerProcess.Start("exec", "--reuse-port", "--port", "0", "--log", "json", "--", "echo", "first");
        using var second = ServerProcess.Start("exec", "--reuse-port", "--port", first.Port.ToString(), "--log", "json", "--", "echo", "second");
        Assert.Equal(first.Port, second.Port);
        var answers = new HashSet<string>();
        // The kernel picks a server by a hash of each connection's addresses: forty tries all landing on one has a
        // chance of 2^-39.
        for (int i = 0; i < 40 && answers.Count < 2; i++)
        {
            using var client = new TcpClientSession(first.Port);
            answers.Add(Encoding.UTF8.GetString(client.ReceiveToEnd()));
        }
        Assert.Equal(["first\n", "second\n"], answers.Order());

        // Without it, the port is taken.
        var refused = ProgramRun.Of(Binaries.Server, ["exec", "--port", first.Port.ToString(), "--", "cat"]);
        Assert.Equal(2, refused.ExitCode);
    }
}
