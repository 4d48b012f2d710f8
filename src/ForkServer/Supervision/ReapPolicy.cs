namespace ForkServer.Supervision;

/// <summary>When the fork model collects its finished children with waitpid(2).</summary>
public enum ReapPolicy
{
    /// <summary>SIGCHLD wakes the loop, which reaps with waitpid(-1, WNOHANG) until none is left; a timer sweeps too.</summary>
    Signal,

    /// <summary>The tutorial's reapChildren(): reap only just before forking for the next client.</summary>
    Accept,

    /// <summary>Never reap: every finished child stays a zombie until the server exits.</summary>
    None,

    /// <summary>SIGCHLD set to SIG_IGN: the kernel reaps each child as it exits, so no zombie stays (and no exit status is seen).</summary>
    Ignore,
}
