namespace ForkServer.Server;

/// <summary>How a server serves more than one client.</summary>
public enum ConcurrencyModel
{
    /// <summary>A child process per client, made with fork(2): the tutorial's forking server.</summary>
    Fork,

    /// <summary>N worker processes forked at start, each accepting and serving one client after another.</summary>
    Prefork,
}
