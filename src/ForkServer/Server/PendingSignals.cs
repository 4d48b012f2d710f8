namespace ForkServer.Server;

/// <summary>A set of signal numbers (1 to 63) that arrived since the loop last looked.</summary>
public readonly record struct PendingSignals(long Mask)
{
    public bool Contains(int signal) => (Mask & (1L << signal)) != 0;
}
