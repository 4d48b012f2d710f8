using System.Diagnostics;
using System.Text;
using ForkServer.Protocols;

namespace ForkServer.Sessions;

/// <summary>
/// Makes a fresh <see cref="ISession"/> per client for the protocol a server was started with, and carries the
/// limits every model applies while it drives one.
/// </summary>
public sealed class SessionFactory(ProtocolKind protocol, string prefix, int maxMessage, TimeSpan idleTimeout, TimeSpan sessionTimeout, bool quitWord = true)
{
    private readonly byte[] _prefix = EchoSession.EncodePrefix(prefix);

    public ProtocolKind Protocol { get; } = protocol;

    /// <summary>Whether <c>q</c> ends an echo session (the tutorial's select server has no quit word).</summary>
    public bool QuitWord { get; } = quitWord;

    public string Prefix { get; } = prefix;

    /// <summary>The most bytes one receive takes; larger input is served in pieces of this size.</summary>
    public int MaxMessage { get; } = maxMessage;

    /// <summary>How long a client may send nothing, or leave a reply unread, before the session ends.</summary>
    public TimeSpan IdleTimeout { get; } = idleTimeout;

    /// <summary>How long a whole session may last; <see cref="TimeSpan.Zero"/> for no limit.</summary>
    public TimeSpan SessionTimeout { get; } = sessionTimeout;

    /// <summary><see cref="IdleTimeout"/> in <see cref="Stopwatch"/> timestamps.</summary>
    public long IdleTimestamps { get; } = Timestamps(idleTimeout);

    // SessionTimeout in Stopwatch timestamps, or long.MaxValue for no limit. Worked out once, in the parent: a forked
    // child's session then does no floating-point arithmetic, whose constants are one more page of the executable for
    // each child to fault in.
    private readonly long _sessionTimestamps = sessionTimeout > TimeSpan.Zero ? Timestamps(sessionTimeout) : long.MaxValue;

    /// <summary>When a session started at the timestamp <paramref name="started"/> must end; long.MaxValue for never.</summary>
    public long SessionDeadline(long started) => _sessionTimestamps == long.MaxValue ? long.MaxValue : started + _sessionTimestamps;

    /// <summary>
    /// Whether the server's listening socket carries <see cref="IdleTimeout"/> as SO_RCVTIMEO and SO_SNDTIMEO, which
    /// every socket accepted from it inherits (Linux copies a listener's options into each socket it accepts): a
    /// session on such a socket need not set them (<see cref="DescriptorConnection"/>).
    /// </summary>
    public bool ListenerTimeouts { get; init; }

    public ISession Create() => Protocol switch
    {
        ProtocolKind.Greet => new GreetSession(),
        _ => new EchoSession(_prefix, MaxMessage, QuitWord),
    };

    /// <summary>The one line a client gets before an idle disconnect (made once: a forked child allocates nothing).</summary>
    public byte[] IdleNotice { get; } = Encoding.UTF8.GetBytes($"idle for {idleTimeout.TotalSeconds:0.###} s: closing the connection\n");

    /// <summary>The one line a client gets when its session reaches <see cref="SessionTimeout"/>.</summary>
    public byte[] SessionNotice { get; } = Encoding.UTF8.GetBytes($"session limit of {sessionTimeout.TotalSeconds:0.###} s reached: closing the connection\n");

    // Capped so that a timestamp plus it cannot overflow.
    private static long Timestamps(TimeSpan time) => (long)Math.Min(time.TotalSeconds * Stopwatch.Frequency, long.MaxValue / 4);
}
