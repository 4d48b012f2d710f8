using System.Buffers.Text;
using System.Runtime.Versioning;
using ForkServer.Interop;

namespace ForkServer.Supervision;

/// <summary>
/// The rules that make fork(2) safe in a .NET process, written once. A forked child is a copy of the whole process
/// with one thread in it, the one that called fork: every lock another thread held at that moment stays held in the
/// child for ever. So:
/// <list type="number">
/// <item><b>Nothing runs beside a fork.</b> The forking process starts no thread of its own, uses no thread pool, no
/// timer, no async I/O, no Process class (which reaps through a runtime thread), and takes its signals through the
/// <see cref="SignalFunnel"/>, so no handler or watcher thread runs managed code. The runtime's own threads
/// (finalizer, and under the JIT the debugger and event-pipe threads) sleep in system calls: the finalizer wakes only
/// after a garbage collection, and the forking parent allocates nothing per client, so none comes.
/// <see cref="AssertNothingRunsBeside"/> checks the thread list before the first fork.</item>
/// <item><b>A child makes no code.</b> Under the JIT, compiling a method or a dispatch stub takes the runtime's
/// code-heap lock, which the finalizer takes too: a child that compiles can wait for ever (seen: a few children in
/// 10 000). The parent runs everything a child runs before it forks: the session twice (Sessions/Warmup.cs, twice so
/// that interface call sites are bound too) and the start-up as a rehearsal (<see cref="ChildStart.Rehearse"/>). The
/// project turns off tiered compilation (its background compiler is a thread that holds that lock) and W^X (whose
/// double mapping a child cannot use). Tested: a child adds no line to the runtime's perf map. Nor does a child look
/// up a symbol (dlsym, under the loader's lock): the JIT's rehearsal binds every libc function a child calls, and the
/// NativeAOT build binds libc's when the program is loaded (DirectPInvoke in the project file). Tested: the loader's
/// debug output shows no lookup by a child.</item>
/// <item><b>A child allocates nothing</b> on the managed heap: the allocator's slow path and the GC take locks too.
/// Sessions, buffers and texts a child needs are made in the parent beforehand; errors come back as numbers, not
/// exceptions. Tested: with <see cref="AllocationReportVariable"/> set, each child reports what it allocated.</item>
/// <item><b>A child leaves with _exit(2)</b>, never by returning into the runtime (<see cref="ChildStart"/>).</item>
/// </list>
/// NativeAOT compiles everything ahead of time and binds libc at load, so rule 2 costs it nothing; rules 1, 3 and 4
/// hold for both builds.
/// </summary>
[SupportedOSPlatform("linux")]
public static class ForkSafety
{
    /// <summary>With this environment variable set to 1, each forked child writes what it allocated to standard error.</summary>
    public const string AllocationReportVariable = "FORKSERVER_REPORT_CHILD_ALLOCATIONS";

    /// <summary>The runtime's threads that sleep in a system call while the server forks.</summary>
    private static readonly string[] s_quietRuntimeThreads =
        [".NET Finalizer", ".NET SynchManag", ".NET EventPipe", ".NET DebugPipe", ".NET Debugger", ".NET SigHandler", ".NET Sockets"];

    /// <summary>Read in the parent: a child reads its copy of the answer.</summary>
    public static readonly bool ReportAllocations = Environment.GetEnvironmentVariable(AllocationReportVariable) == "1";

    /// <summary>
    /// Lets the runtime's own threads settle, then fails unless every thread of this process but the calling one is a
    /// runtime thread known to sleep in a system call: a thread of ours, a thread-pool worker or a timer thread running
    /// beside a fork breaks rule 1. Starts from a compacted heap (it stays that size, since the forking loop allocates
    /// nothing per client) and waits for the finalizer to be idle: NativeAOT starts its finalizer thread at the first
    /// collection, and a thread that is still starting holds runtime locks.
    /// </summary>
    public static void AssertNothingRunsBeside()
    {
        GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        // Called on the main thread, whose thread id is the process id.
        int self = Posix.GetPid();
        foreach (string task in Directory.EnumerateDirectories("/proc/self/task"))
        {
            if (Path.GetFileName(task) == self.ToString(System.Globalization.CultureInfo.InvariantCulture))
            {
                continue;
            }
            string name = File.ReadAllText(Path.Combine(task, "comm")).TrimEnd('\n');
            if (!s_quietRuntimeThreads.Contains(name))
            {
                throw new InvalidOperationException($"fork safety: thread {Path.GetFileName(task)} ({name}) runs beside fork(2); the forking process must start no thread, timer or thread-pool work");
            }
        }
    }

    /// <summary>The managed bytes this thread has allocated so far, for <see cref="Report"/>.</summary>
    public static long AllocatedSoFar() => ReportAllocations ? GC.GetAllocatedBytesForCurrentThread() : 0;

    /// <summary>In a child, with reporting on: "child-allocations PID BYTES" on standard error, formatted without allocating.</summary>
    public static void Report(long allocatedAtStart)
    {
        if (!ReportAllocations)
        {
            return;
        }
        long allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedAtStart;
        Span<byte> line = stackalloc byte[64];
        "child-allocations "u8.CopyTo(line);
        int length = "child-allocations "u8.Length;
        Utf8Formatter.TryFormat(Posix.GetPid(), line[length..], out int written);
        length += written;
        line[length++] = (byte)' ';
        Utf8Formatter.TryFormat(allocated, line[length..], out written);
        length += written;
        line[length++] = (byte)'\n';
        Posix.Write(2, line[..length]);
    }
}
