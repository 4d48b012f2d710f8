namespace ForkServer.Models;

/// <summary>How a server serves more than one client.</summary>
public enum ConcurrencyModel
{
    /// <summary>A child process per client, made with fork(2): the tutorial's forking server.</summary>
    Fork,

    /// <summary>One client at a time, served to the end before the next accept: the tutorial's first servers.</summary>
    Iterative,

    /// <summary>A thread per client (a real thread, not the pool): the tutorial's threaded server.</summary>
    Thread,

    /// <summary>One thread multiplexes every client with poll(2): the tutorial's select server.</summary>
    Select,

    /// <summary>N worker processes forked at start, each accepting and serving one client after another.</summary>
    Prefork,

    /// <summary>A new process per client, started with System.Diagnostics.Process: where fork(2) does not exist (Windows).</summary>
    Spawn,
}
