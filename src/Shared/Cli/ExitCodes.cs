namespace ForkServer.Cli;

/// <summary>The exit statuses forkserver and forkclient end with; scripts and tests rely on them.</summary>
public static class ExitCodes
{
    public const int Ok = 0;

    /// <summary>Something unexpected; the message says what.</summary>
    public const int Failure = 1;

    /// <summary>The program could not start as asked: bad arguments, a port in use or not permitted, a bad host.</summary>
    public const int CannotStart = 2;
}
