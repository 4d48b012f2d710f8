using System.Diagnostics;

namespace ForkServer.Demos;

/// <summary>How a demo waits for what it shows to happen (in /proc, mostly): it looks every 10 ms, up to a limit.</summary>
public static class Poll
{
    /// <summary>The limit a demo waits for a state change that takes milliseconds.</summary>
    public static readonly TimeSpan Briefly = TimeSpan.FromSeconds(10);

    /// <summary>True once <paramref name="condition"/> holds; false if it still does not after <paramref name="limit"/>.</summary>
    public static bool Until(Func<bool> condition, TimeSpan limit)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed >= limit)
            {
                return false;
            }
            Thread.Sleep(10);
        }
        return true;
    }
}
