namespace ForkServer.Server;

/// <summary>How a server serves more than one client.</summary>
public enum ConcurrencyModel
{
    /// <summary>A child process per client, made with fork(2): the tutorial's forking server.</summary>
    Fork,

    /// <summary>A new process per client, started with System.Diagnostics.Process: where fork(2) does not exist (Windows).</summary>
    Spawn,
}
