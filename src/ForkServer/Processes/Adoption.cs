using ForkServer.Interop;

namespace ForkServer.Processes;

/// <summary>How a process sees itself become an orphan: getppid(2) changes the moment the kernel re-parents it.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public static class Adoption
{
    /// <summary>Polls getppid() until it is no longer <paramref name="parent"/>, for at most <paramref name="limit"/>; returns the new parent.</summary>
    public static int WaitForNewParent(int parent, TimeSpan limit)
    {
        int current = Posix.GetParentPid();
        for (var waited = TimeSpan.Zero; current == parent && waited < limit; waited += TimeSpan.FromMilliseconds(10))
        {
            Thread.Sleep(10);
            current = Posix.GetParentPid();
        }
        return current;
    }
}
