using Tmds.Linux;

namespace ForkServer.Interop;

/// <summary>A set of signal numbers 1 to 64, as a bit mask: a value, so the loop that takes signals allocates nothing.</summary>
public readonly record struct SignalSet(ulong Mask)
{
    public static SignalSet Of(params ReadOnlySpan<int> signals)
    {
        ulong mask = 0;
        foreach (int signal in signals)
        {
            mask |= Bit(signal);
        }
        return new SignalSet(mask);
    }

    public bool IsEmpty => Mask == 0;

    public bool Contains(int signal) => (Mask & Bit(signal)) != 0;

    public bool ContainsAll(SignalSet other) => (Mask & other.Mask) == other.Mask;

    public SignalSet With(int signal) => new(Mask | Bit(signal));

    public SignalSet Union(SignalSet other) => new(Mask | other.Mask);

    public SignalSet Except(SignalSet other) => new(Mask & ~other.Mask);

    public SignalSet Without(int signal) => new(Mask & ~Bit(signal));

    /// <summary>The lowest signal in the set, 0 when it is empty: for taking signals one at a time in number order.</summary>
    public int First => Mask == 0 ? 0 : System.Numerics.BitOperations.TrailingZeroCount(Mask) + 1;

    public override string ToString()
    {
        var names = new List<string>();
        for (var rest = this; !rest.IsEmpty; rest = rest.Without(rest.First))
        {
            names.Add(Signals.Name(rest.First));
        }
        return string.Join(' ', names);
    }

    internal unsafe void CopyTo(sigset_t* set)
    {
        LibC.sigemptyset(set);
        for (int signal = 1; signal <= 64; signal++)
        {
            if (Contains(signal))
            {
                LibC.sigaddset(set, signal);
            }
        }
    }

    internal static unsafe SignalSet From(sigset_t* set)
    {
        // glibc's sigset_t starts with the kernel's 64-bit mask, signal N at bit N-1.
        return new SignalSet(*(ulong*)set);
    }

    private static ulong Bit(int signal) => 1UL << (signal - 1);
}
