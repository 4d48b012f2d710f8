using ForkServer.Logging;
using ForkServer.Net;
using ForkServer.Networking;
using ForkServer.Protocols;
using ForkServer.Supervision;

namespace ForkServer.Models;

/// <summary>Everything <c>forkserver serve</c> was asked to do.</summary>
public sealed record ServeOptions
{
    public ConcurrencyModel Model { get; init; } = ConcurrencyModel.Fork;

    public ProtocolKind Protocol { get; init; } = ProtocolKind.Echo;

    public ReapPolicy Reap { get; init; } = ReapPolicy.Signal;

    public string Host { get; init; } = Addresses.DefaultHost;

    /// <summary>0 asks the kernel for a free port; the "listening" event says which one it gave.</summary>
    public int Port { get; init; } = TutorialPorts.Forking;

    public string Prefix { get; init; } = EchoSession.ForkingPrefix;

    /// <summary>Whether <c>q</c> ends an echo session; the tutorial's select server has none.</summary>
    public bool QuitWord { get; init; } = true;

    /// <summary>The most bytes one read takes; larger input is served in pieces, never buffered whole.</summary>
    public int MaxMessage { get; init; } = 64 * 1024;

    /// <summary>Children alive at once, at most; at the limit new clients wait in the listen backlog.</summary>
    public int MaxChildren { get; init; } = 256;

    /// <summary>A client that sends nothing, or reads nothing of a reply, for this long is disconnected.</summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromSeconds(300);

    /// <summary>The longest a whole session may last; zero for no limit.</summary>
    public TimeSpan SessionTimeout { get; init; } = TimeSpan.FromSeconds(3600);

    /// <summary>When started as root: the user to become after binding, before serving anyone.</summary>
    public string? User { get; init; }

    /// <summary>Serve a non-loopback address as root without --user.</summary>
    public bool AllowRoot { get; init; }

    /// <summary>How many worker processes the prefork model keeps running.</summary>
    public int Workers { get; init; } = 4;

    /// <summary>--workers was given: the spawn model then keeps that many children started and waiting for clients.</summary>
    public bool WorkersGiven { get; init; }

    /// <summary>With the spawn model's pool: clients one child serves, one after another, before it exits; null when not given (1).</summary>
    public int? ClientsPerChild { get; init; }

    /// <summary>How long the stop waits after SIGTERM before it sends SIGKILL to the children left.</summary>
    public TimeSpan Grace { get; init; } = TimeSpan.FromSeconds(10);

    public LogFormat LogFormat { get; init; } = LogFormat.Text;

    public bool Quiet { get; init; }

    /// <summary>prctl(PR_SET_CHILD_SUBREAPER) at start: orphans below the server come to it, as they would to PID 1.</summary>
    public bool Subreaper { get; init; }

    /// <summary>Clients served at once from one source (an IPv4 address, an IPv6 /64), at most; null for no limit.</summary>
    public int? MaxPerIp { get; init; }

    /// <summary>New clients accepted within any interval, at most; null for no limit.</summary>
    public ConnectionRate? Rate { get; init; }

    /// <summary>SO_REUSEPORT: servers that all ask for it share the port.</summary>
    public bool ReusePort { get; init; }

    /// <summary>For <c>forkserver exec</c>: the program and its arguments run for each client; null for the other models.</summary>
    public ExecOptions? Exec { get; init; }

    /// <summary>Teaching aid: each child leaves behind an orphan that lives this long after the child has gone.</summary>
    public TimeSpan? LeaveOrphan { get; init; }

    /// <summary>Where to draw this run's timeline (SVG) when the server stops; null for none.</summary>
    public string? Timeline { get; init; }
}

/// <summary>What <c>forkserver exec</c> runs for each client, and how.</summary>
/// <param name="Program">The program as given (a name looked up on PATH, or a path).</param>
/// <param name="Arguments">Its arguments after the name.</param>
/// <param name="StderrToClient">Standard error to the client too, not the server's.</param>
/// <param name="EnvClean">Start the program's environment empty, with only the UCSPI variables.</param>
public sealed record ExecOptions(string Program, IReadOnlyList<string> Arguments, bool StderrToClient, bool EnvClean);
