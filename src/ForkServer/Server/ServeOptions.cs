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

    /// <summary>The most bytes one read takes; larger input is served in pieces, never buffered whole.</summary>
    public int MaxMessage { get; init; } = 64 * 1024;

    /// <summary>Children alive at once, at most; at the limit new clients wait in the listen backlog.</summary>
    public int MaxChildren { get; init; } = 256;

    /// <summary>A client that sends nothing for this long is told so and disconnected.</summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromSeconds(300);

    /// <summary>When started as root: the user to become after binding, before serving anyone.</summary>
    public string? User { get; init; }

    /// <summary>Serve a non-loopback address as root without --user.</summary>
    public bool AllowRoot { get; init; }

    /// <summary>How long shutdown waits after SIGTERM before it sends SIGKILL to the children left.</summary>
    public TimeSpan Grace { get; init; } = TimeSpan.FromSeconds(10);

    public LogFormat LogFormat { get; init; } = LogFormat.Text;

    public bool Quiet { get; init; }
}
