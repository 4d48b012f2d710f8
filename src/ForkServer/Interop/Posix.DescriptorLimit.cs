namespace ForkServer.Interop;

public static partial class Posix
{
    /// <summary>
    /// getrlimit(RLIMIT_NOFILE): the soft limit on open descriptors, or -1 if it cannot be read. It uses no other
    /// assembly, so it works when the process has no descriptor left to load one with.
    /// </summary>
    public static unsafe long DescriptorLimit()
    {
        ulong* limit = stackalloc ulong[2];
        return getrlimit(RLIMIT_NOFILE, limit) == 0 ? (long)Math.Min(limit[0], long.MaxValue) : -1;
    }
}
