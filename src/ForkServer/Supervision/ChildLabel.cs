using ForkServer.Interop;

namespace ForkServer.Supervision;

/// <summary>What a child process is for.</summary>
public enum ChildRole
{
    /// <summary>Forked to serve one client (fork model).</summary>
    Client,

    /// <summary>Forked at start to accept and serve client after client (prefork).</summary>
    Worker,

    /// <summary>Forked and exec'd to serve one client as a program of its own (spawn model).</summary>
    Spawned,

    /// <summary>Forked and exec'd to run another program for one client (exec).</summary>
    Program,

    /// <summary>The one program <c>forkserver init</c> runs, COMMAND.</summary>
    Command,
}

/// <summary>
/// A child's role and, for the roles that serve one client, that client's address. A value: the forking parent
/// allocates nothing per client; the address becomes text only when a line is written.
/// </summary>
public readonly record struct ChildLabel(ChildRole Role, PeerAddress Client)
{
    public static ChildLabel Worker => new(ChildRole.Worker, default);

    public static ChildLabel Command => new(ChildRole.Command, default);

    public bool ServesOneClient => Role is not (ChildRole.Worker or ChildRole.Command);

    /// <summary>The client as 127.0.0.1:50007 or [::1]:50007, or the role for a worker or init's command.</summary>
    public override string ToString() => ServesOneClient ? Client.ToString() : Role == ChildRole.Worker ? "worker" : "command";
}
