namespace ForkServer.Interop;

/// <summary>The two dispositions sigaction(2) can set without a handler function.</summary>
public enum SignalDisposition
{
    /// <summary>SIG_DFL: the kernel's default action (for SIGCHLD: do nothing, leave a zombie to wait for).</summary>
    Default,

    /// <summary>SIG_IGN: for SIGCHLD this also tells the kernel to reap children itself, so none become zombies.</summary>
    Ignore,
}
