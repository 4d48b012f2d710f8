using System.Runtime.Versioning;

namespace ForkServer.Interop;

/// <summary>
/// A count that a parent and the processes it forks all add to: it lives in a MAP_SHARED page mapped before the
/// fork, so a worker's increment is what the parent reads (prefork workers count the clients they serve this way).
/// </summary>
[SupportedOSPlatform("linux")]
public sealed unsafe class SharedCounter
{
    private readonly long* _value = (long*)Posix.MapShared(sizeof(long));

    public long Value => Volatile.Read(ref *_value);

    public void Increment() => Interlocked.Increment(ref *_value);
}
