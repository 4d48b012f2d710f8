using System.Runtime.Versioning;
using ForkServer.Interop;
using ForkServer.Logging;
using ForkServer.Processes;
using ForkServer.Supervision;

namespace ForkServer.Models.Fork;

/// <summary>
/// The teaching aid behind <c>serve --leave-orphan SECONDS</c>, kept apart from serving: a child, once its session
/// is over and its client socket closed, forks a grandchild and exits. The grandchild is an orphan: the kernel
/// re-parents it to PID 1, or to the nearest subreaper (the server itself under <c>--subreaper</c> or as PID 1),
/// and it lives SECONDS more before it exits, so that its new parent has to reap it. It is the one process of a
/// server's tree that is not tied to its parent: it exists to outlive it. It logs, so it allocates and (under the
/// JIT) may compile: it serves no client, and nothing waits for it.
/// </summary>
[SupportedOSPlatform("linux")]
public static class Orphan
{
    private static readonly ChildAttributes Attributes = ChildStart.Untied("fs-orphan");

    public static void Leave(TimeSpan stay, EventLog log)
    {
        int parent = Posix.GetPid();
        int orphan = ChildStart.Fork(Attributes, () => LiveOn(parent, stay, log), log);
        if (orphan > 0)
        {
            log.Info("left-orphan", $"child {parent}: forked {orphan}, which will outlive me by {stay.TotalSeconds:0.#} s (--leave-orphan)",
                new LogField("orphan", orphan));
        }
    }

    private static int LiveOn(int parent, TimeSpan stay, EventLog log)
    {
        // The parent is about to _exit: the wait is short.
        int adopter = Adoption.WaitForNewParent(parent, TimeSpan.FromSeconds(10));
        int self = Posix.GetPid();
        log.Info("orphaned", $"orphan {self}: my parent {parent} exited; adopted by {adopter}; exiting in {stay.TotalSeconds:0.#} s",
            new LogField("orphan", self), new LogField("old_parent", parent), new LogField("new_parent", adopter));
        Thread.Sleep(stay);
        return 0;
    }
}
