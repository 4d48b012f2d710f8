using System.Diagnostics;
using System.Runtime.Versioning;

namespace ForkServer.Interop;

/// <summary>
/// Longs that a parent and the processes it forks all read and write, with <see cref="Volatile"/> and
/// <see cref="Interlocked"/>: they live in a MAP_SHARED mapping made before the fork (the prefork workers keep their
/// per-source counts and their rate ring in one). Made once and never unmapped: the workers use it until they exit.
/// </summary>
[SupportedOSPlatform("linux")]
public sealed unsafe class SharedLongs
{
    private readonly long* _values;

    public SharedLongs(int count)
    {
        Debug.Assert(count > 0);
        Count = count;
        _values = (long*)Posix.MapShared((nuint)count * sizeof(long));
    }

    public int Count { get; }

    public ref long this[int index]
    {
        get
        {
            Debug.Assert((uint)index < (uint)Count);
            return ref _values[index];
        }
    }

    /// <summary>The bytes of <paramref name="longs"/> longs from <paramref name="index"/> on, to hold a small record.</summary>
    public Span<byte> Bytes(int index, int longs)
    {
        Debug.Assert(index >= 0 && index + longs <= Count);
        return new Span<byte>(_values + index, longs * sizeof(long));
    }
}
