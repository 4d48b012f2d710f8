using System.Collections;
using System.Runtime.Versioning;
using ForkServer.Cli;
using ForkServer.Interop;
using ForkServer.Logging;
using ForkServer.Supervision;

namespace ForkServer.Models.Fork;

/// <summary>
/// <c>forkserver exec -- PROGRAM [ARGS...]</c>, a super-server as inetd and tcpserver are: for each client the
/// parent forks, and the child, after the start-up every program child gets (every signal at its default, an empty
/// mask: <see cref="ChildStart.Program"/>), makes the socket its descriptors 0 and 1 (and 2 with
/// <c>--stderr-to-client</c>), closes every other one above 2 and execs PROGRAM with the environment UCSPI-TCP
/// defines (PROTO, TCPLOCALIP, TCPLOCALPORT, TCPREMOTEIP, TCPREMOTEPORT, TCPCONNNUM). After the fork no managed code
/// of the server runs but that start-up: the environment is written in the parent, into slots of one
/// <see cref="ExecImage"/> made at start, rewritten for each client.
/// </summary>
[SupportedOSPlatform("linux")]
public sealed class ExecModel(ServeOptions options, ExecOptions exec, string path, int listenFd, EventLog log)
{
    /// <summary>The server's variables a program must not get: UCSPI's own, which describe another connection, and the service manager's, which are the server's.</summary>
    private static readonly string[] s_notPassed =
        ["PROTO", "TCPLOCALIP", "TCPLOCALPORT", "TCPLOCALHOST", "TCPREMOTEIP", "TCPREMOTEPORT", "TCPREMOTEHOST", "TCPREMOTEINFO", "TCPCONNNUM",
         "LISTEN_PID", "LISTEN_FDS", "LISTEN_FDNAMES", "NOTIFY_SOCKET"];

    private static readonly int[] s_socketAsInputOutput = [0, 1];
    private static readonly int[] s_socketAsAllThree = [0, 1, 2];

    // Long enough for "TCPREMOTEPORT=" and the longest IPv6 address text.
    private const int SlotLength = 64;
    private const int LocalIp = 0;
    private const int LocalPort = 1;
    private const int RemoteIp = 2;
    private const int RemotePort = 3;
    private const int ConnectionNumber = 4;

    private ExecImage _image = null!;
    private readonly int[] _targets = exec.StderrToClient ? s_socketAsAllThree : s_socketAsInputOutput;

    public int Run(SignalFunnel funnel)
    {
        List<string> environment = exec.EnvClean ? [] : [.. Environment.GetEnvironmentVariables().Cast<DictionaryEntry>()
            .Where(e => !s_notPassed.Contains((string)e.Key))
            .Select(e => $"{e.Key}={e.Value}")];
        environment.Add("PROTO=TCP");
        _image = ExecImage.WithSlots(path, [exec.Program, .. exec.Arguments], environment, slots: 5, SlotLength);
        var child = new ClientChild(ChildRole.Program, "forked", ChildStart.Program("fs-exec"), Exec, Meaning, Prepare,
            ExecChild.Rehearse, $": exec {exec.Program}");
        return new ForkingServer(options, listenFd, child, log).Run(funnel, $", exec {path}");
    }

    /// <summary>In the parent, before the fork: the client's variables, written into the image's slots.</summary>
    private void Prepare(ClientArrival client)
    {
        Span<byte> text = stackalloc byte[SlotLength];
        var local = Posix.LocalAddress(client.Fd);
        _image.SetSlot(LocalIp, "TCPLOCALIP="u8, text[..local.FormatAddress(text)]);
        _image.SetSlot(LocalPort, "TCPLOCALPORT="u8, text[..Number(local.Port, text)]);
        _image.SetSlot(RemoteIp, "TCPREMOTEIP="u8, text[..client.Peer.FormatAddress(text)]);
        _image.SetSlot(RemotePort, "TCPREMOTEPORT="u8, text[..Number(client.Peer.Port, text)]);
        _image.SetSlot(ConnectionNumber, "TCPCONNNUM="u8, text[..Number(client.FromSameSource, text)]);
    }

    private static int Number(int value, Span<byte> text)
    {
        value.TryFormat(text, out int written, default, System.Globalization.CultureInfo.InvariantCulture);
        return written;
    }

    /// <summary>In the child: becomes PROGRAM; returns only if execve failed, with 127 or 126.</summary>
    private int Exec(int client) => ExecChild.Become(client, _targets, _image);

    private string? Meaning(WaitStatus status) => !status.Exited ? null : status.ExitCode switch
    {
        ExecChild.NotFound => $"not found: {exec.Program} could not be exec'd, or a command it ran was not found",
        ExecChild.NotExecutable => $"not executable: {exec.Program} could not be exec'd, or a command it ran could not",
        _ => null,
    };
}
