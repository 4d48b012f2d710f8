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
    /// <summary>The descriptor the spawned child finds its client on (or, in a pool, its channel).</summary>
    public const int ClientDescriptor = 3;

    /// <summary>Where a pool child that serves several clients finds the pool's ready pipe.</summary>
    public const int ReadyDescriptor = ClientDescriptor + 1;

    private static readonly int[] s_targets = [ClientDescriptor];

    private readonly (string Path, List<string> Leading) _self = SelfCommand.Get();
    private List<string> _environment = [];
    private ExecImage? _next;
    private ChildPool? _pool;
    // Read in the parent: the child only copies it (a property's getter could be code the child would have to make).
    private int _readyForChild = -1;

    public int Run(SignalFunnel funnel)
    {
        _environment = [.. Environment.GetEnvironmentVariables().Cast<DictionaryEntry>()
            .Where(e => (string)e.Key is not SpawnSettings.Variable and not "DOTNET_TieredCompilation")
            .Select(e => $"{e.Key}={e.Value}"),
            $"{SpawnSettings.Variable}={SpawnSettings.Encode(sessions, options.LogFormat, options.Quiet)}",
            // The server turns tiered compilation off only so that fork(2) is safe; a spawned child never forks, and
            // starts faster with it on.
            "DOTNET_TieredCompilation=1"];
        if (options.WorkersGiven)
        {
            // Every waiting child runs the same command line: it learns its clients from the channel.
            _pool = new ChildPool(options.Workers, options.ClientsPerChild ?? 1);
            _readyForChild = _pool.ReadyForChild;
            string[] several = _pool.ClientsPerChild == 1 ? []
                : ["--clients", Number(_pool.ClientsPerChild), "--ready", Number(ReadyDescriptor)];
            _next = ExecImage.Create(_self.Path,
                [.. _self.Leading, SelfCommand.SpawnedChild, "--handover", Number(ClientDescriptor), .. several], _environment);
        }
        var child = new ClientChild(ChildRole.Spawned, "spawned", ChildStart.Program("fs-spawned"), Exec,
            status => status.Exited ? SessionEnds.DescribeExitCode(status.ExitCode, sessions) ?? ExecFailure(status.ExitCode) : null,
            Prepare, ExecChild.Rehearse, Pool: _pool);
        return new ForkingServer(options, listenFd, child, log).Run(funnel, _pool is null ? "" : $", {_pool.Size} children waiting");
    }

    /// <summary>In the parent, before the fork: the child's command line, so the child allocates nothing.</summary>
    private void Prepare(ClientArrival client)
    {
        var peer = client.Peer;
        _next?.Dispose();
        _next = ExecImage.Create(_self.Path,
            [.. _self.Leading, SelfCommand.SpawnedChild, "--peer", peer.ToString(), "--fd", Number(ClientDescriptor)],
            _environment);
    }

    /// <summary>
    /// In the child: becomes the spawned child; if that fails, tells the client the server is busy (a waiting child
    /// has no client yet: its descriptor is the channel, and the busy line goes nowhere).
    /// </summary>
    private int Exec(int client)
    {
        int status = ExecChild.Become(client, s_targets, _next!, _readyForChild);
        Posix.Send(ClientDescriptor, Refusal.BusyLine, dontWait: true);
        return status;
    }

    private static string Number(int value) => value.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static string? ExecFailure(int code) => code switch
    {
        ExecChild.NotFound => "the server's own program could not be found to start",
        ExecChild.NotExecutable => "the server's own program could not be run",
        _ => null,
    };
}
