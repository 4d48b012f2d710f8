using ForkServer.Logging;
using ForkServer.Protocols;

namespace ForkServer.Server;

/// <summary>Everything <c>forkserver serve</c> was asked to do.</summary>
public sealed record ServeOptions
{
    public const int DefaultPort = 50007;

    public ConcurrencyModel Model { get; init; } = ConcurrencyModel.Fork;

    public ProtocolKind Protocol { get; init; } = ProtocolKind.Echo;

    public ReapPolicy Reap { get; init; } = ReapPolicy.Signal;

    public string Host { get; init; } = "127.0.0.1";

    /// <summary>0 asks the kernel for a free port; the "listening" event says which one it gave.</summary>
    public int Port { get; init; } = DefaultPort;

    public string Prefix { get; init; } = "you send:";

    public int MaxMessage { get; init; } = 64 * 1024;

    /// <summary>How long shutdown waits after SIGTERM before it sends SIGKILL to the children left.</summary>
    public TimeSpan Grace { get; init; } = TimeSpan.FromSeconds(10);

    public LogFormat LogFormat { get; init; } = LogFormat.Text;

    public bool Quiet { get; init; }

    /// <summary>prctl(PR_SET_CHILD_SUBREAPER) at start: orphans below the server come to it, as they would to PID 1.</summary>
    public bool Subreaper { get; init; }

    /// <summary>Teaching aid: each child leaves behind an orphan that lives this long after the child has gone.</summary>
    public TimeSpan? LeaveOrphan { get; init; }
}
