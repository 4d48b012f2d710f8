using System.Runtime.Versioning;

namespace ForkServer.Interop;

/// <summary>
/// A count that a parent and the processes it forks all add to: one of <see cref="SharedLongs"/>, so a worker's
/// increment is what the parent reads (prefork workers count the clients they serve this way).
/// </summary>
[SupportedOSPlatform("linux")]
public sealed class SharedCounter
{
    private readonly SharedLongs _value = new(1);

    public long Value => Volatile.Read(ref _value[0]);

    public void Increment() => Interlocked.Increment(ref _value[0]);
}
