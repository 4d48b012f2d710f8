using System.Diagnostics;

namespace ForkServer.Tests.Support;

/// <summary>Bounded polling: checks a condition every 20 ms until it holds or the time is up.</summary>
public static class Wait
{
    public static bool Until(Func<bool> condition, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > timeout)
            {
                return false;
            }
            Thread.Sleep(20);
        }
        return true;
    }
}
