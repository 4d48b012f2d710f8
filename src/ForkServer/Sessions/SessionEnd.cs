namespace ForkServer.Sessions;

/// <summary>How a session ended. A child that serves one client exits with <see cref="SessionEnds.ExitCode"/> of it.</summary>
public enum SessionEnd
{
    /// <summary>The protocol said so: a greeting was sent, or the client asked to quit.</summary>
    ServerClosed,

    /// <summary>The client closed its side (recv returned 0).</summary>
    ClientClosed,

    /// <summary>The client sent nothing for the idle timeout and was told so.</summary>
    IdleTimeout,

    /// <summary>The session lasted <c>--session-timeout</c> and was told so.</summary>
    SessionTimeout,

    /// <summary>A reply made no progress for the idle timeout: the client does not read what it is sent.</summary>
    ClientNotReading,

    /// <summary>The connection broke mid-session (reset, or the client vanished).</summary>
    ClientVanished,
}

/// <summary>
/// What each <see cref="SessionEnd"/> is called in the log, and the exit status a one-client child reports it with:
/// the child writes nothing itself (it allocates nothing), and the parent says why when it reaps it.
/// </summary>
public static class SessionEnds
{
    public static int ExitCode(SessionEnd end) => end switch
    {
        SessionEnd.IdleTimeout => 3,
        SessionEnd.SessionTimeout => 4,
        SessionEnd.ClientNotReading => 5,
        SessionEnd.ClientVanished => 6,
        _ => 0,
    };

    /// <summary>The words for an end: "idle for 2 s", "client closed".</summary>
    public static string Describe(SessionEnd end, SessionFactory sessions) => end switch
    {
        SessionEnd.ClientClosed => "client closed",
        SessionEnd.IdleTimeout => $"idle for {Seconds(sessions.IdleTimeout)} s",
        SessionEnd.SessionTimeout => $"session limit of {Seconds(sessions.SessionTimeout)} s reached (--session-timeout)",
        SessionEnd.ClientNotReading => $"client not reading: a reply made no progress for {Seconds(sessions.IdleTimeout)} s",
        SessionEnd.ClientVanished => "client went away mid-session",
        _ => "server closed",
    };

    /// <summary>The words for a one-client child's exit status, null for a status that is not a session's end.</summary>
    public static string? DescribeExitCode(int code, SessionFactory sessions) => code switch
    {
        0 => null,
        3 => Describe(SessionEnd.IdleTimeout, sessions),
        4 => Describe(SessionEnd.SessionTimeout, sessions),
        5 => Describe(SessionEnd.ClientNotReading, sessions),
        6 => Describe(SessionEnd.ClientVanished, sessions),
        1 => "the child failed",
        _ => null,
    };

    private static string Seconds(TimeSpan time) => time.TotalSeconds.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture);
}
