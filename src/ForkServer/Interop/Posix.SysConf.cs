using Tmds.Linux;

namespace ForkServer.Interop;

public static partial class Posix
{
    // The value glibc and musl give _SC_CLK_TCK; Tmds.LibC does not name it.
    private const int _SC_CLK_TCK = 2;

    /// <summary>sysconf(_SC_CLK_TCK): the unit of the times in /proc/PID/stat (start time, CPU times).</summary>
    public static long ClockTicksPerSecond()
    {
        long ticks = LibC.sysconf(_SC_CLK_TCK);
        if (ticks <= 0)
        {
            Failed("sysconf");
        }
        return ticks;
    }
}
