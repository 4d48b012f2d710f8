using System.Collections;
using System.Runtime.Versioning;
using ForkServer.Interop;
using ForkServer.Logging;
using ForkServer.Models.Fork;
using ForkServer.Sessions;
using ForkServer.Supervision;

namespace ForkServer.Models.Spawn;

/// <summary>
/// The process-spawn server on Linux (<c>--model spawn</c>): what Windows must do for want of fork(2), shown where it
/// can be compared with fork. For each client the parent forks, and the child execs this very program in its hidden
/// role (<see cref="SpawnedChild"/>) with the client's socket as descriptor 3 and the session's settings in its
/// environment (<see cref="SpawnSettings"/>): a new program, not a copy of the server, so it starts a runtime of its
/// own. It is supervised as every forked child is: reaped, tied to the parent's life, stopped with it.
/// </summary>
[SupportedOSPlatform("linux")]
public sealed class SpawnModel(ServeOptions options, int listenFd, SessionFactory sessions, EventLog log)
{
    /// <summary>The descriptor the spawned child finds its client on.</summary>
    public const int ClientDescriptor = 3;

    private static readonly int[] s_targets = [ClientDescriptor];

    private readonly (string Path, List<string> Leading) _self = SelfCommand.Get();
    private List<string> _environment = [];
    private ExecImage? _next;

    public int Run(SignalFunnel funnel)
    {
        _environment = [.. Environment.GetEnvironmentVariables().Cast<DictionaryEntry>()
            .Where(e => (string)e.Key is not SpawnSettings.Variable and not "DOTNET_TieredCompilation")
            .Select(e => $"{e.Key}={e.Value}"),
            $"{SpawnSettings.Variable}={SpawnSettings.Encode(sessions, options.LogFormat, options.Quiet)}",
            // The server turns tiered compilation off only so that fork(2) is safe; a spawned child never forks, and
            // starts faster with it on.
            "DOTNET_TieredCompilation=1"];
        ChildPool? pool = null;
        if (options.WorkersGiven)
        {
            // Every waiting child runs the same command line: it learns its client from the channel.
            pool = new ChildPool(options.Workers);
            _next = ExecImage.Create(_self.Path,
                [.. _self.Leading, SelfCommand.SpawnedChild, "--handover", ClientDescriptor.ToString(System.Globalization.CultureInfo.InvariantCulture)],
                _environment);
        }
        var child = new ClientChild(ChildRole.Spawned, "spawned", ChildStart.Program("fs-spawned"), Exec,
            status => status.Exited ? SessionEnds.DescribeExitCode(status.ExitCode, sessions) ?? ExecFailure(status.ExitCode) : null,
            Prepare, ExecChild.Rehearse, Pool: pool);
        return new ForkingServer(options, listenFd, child, log).Run(funnel, pool is null ? "" : $", {pool.Size} children waiting");
    }

    /// <summary>In the parent, before the fork: the child's command line, so the child allocates nothing.</summary>
    private void Prepare(ClientArrival client)
    {
        var peer = client.Peer;
        _next?.Dispose();
        _next = ExecImage.Create(_self.Path,
            [.. _self.Leading, SelfCommand.SpawnedChild, "--peer", peer.ToString(), "--fd", ClientDescriptor.ToString(System.Globalization.CultureInfo.InvariantCulture)],
            _environment);
    }

    /// <summary>
    /// In the child: becomes the spawned child; if that fails, tells the client the server is busy (a waiting child
    /// has no client yet: its descriptor is the channel, and the busy line goes nowhere).
    /// </summary>
    private int Exec(int client)
    {
        int status = ExecChild.Become(client, s_targets, _next!);
        Posix.Send(ClientDescriptor, Refusal.BusyLine, dontWait: true);
        return status;
    }

    private static string? ExecFailure(int code) => code switch
    {
        ExecChild.NotFound => "the server's own program could not be found to start",
        ExecChild.NotExecutable => "the server's own program could not be run",
        _ => null,
    };
}
