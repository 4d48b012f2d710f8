namespace ForkServer.Interop;

/// <summary>
/// What a freshly forked child sets up before anything else (<see cref="Posix.EnterChild"/>): the signals it keeps
/// ignored (every other one goes back to SIG_DFL), the signal it gets when its parent dies, the parent it must still
/// have, and the name <c>ps</c> shows for it. Made in the parent before the fork, so the child allocates nothing.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class ChildAttributes
{
    private readonly byte[] _name = new byte[Posix.NameLength + 1];

    public ChildAttributes(string name, SignalSet ignored, int parentDeathSignal)
    {
        System.Text.Encoding.ASCII.GetBytes(name.AsSpan(0, Math.Min(name.Length, Posix.NameLength)), _name);
        Ignored = ignored;
        ParentDeathSignal = parentDeathSignal;
    }

    /// <summary>Dispositions left at SIG_IGN; all others are reset to SIG_DFL.</summary>
    public SignalSet Ignored { get; }

    /// <summary>PR_SET_PDEATHSIG; 0 leaves the child free to outlive its parent.</summary>
    public int ParentDeathSignal { get; }

    /// <summary>The process name, NUL-terminated, at most 15 bytes before the NUL.</summary>
    public ReadOnlySpan<byte> Name => _name;
}
