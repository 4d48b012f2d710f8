using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using ForkServer.Cli;
using ForkServer.Interop;
using ForkServer.Logging;
using Tmds.Linux;

namespace ForkServer.Supervision;

/// <summary>
/// The one way every process of ForkServer starts a child: fork(2), then in the child, before anything else, the
/// start-up of <see cref="Posix.EnterChild"/>, then the body, then _exit(2) with the body's status.
/// <list type="bullet">
/// <item>Signal dispositions go back to SIG_DFL and the mask is emptied: the child must behave as a plain process
/// does. It inherits the parent's blocked funnel signals and, under the JIT, the runtime's own handlers: a SIGQUIT
/// sent to such a child would run the runtime's handler, which writes into a pipe the parent's runtime reads, and the
/// parent would die of it. Only SIGPIPE stays ignored for children that run managed code (their log may be a closed
/// pipe; their sockets use MSG_NOSIGNAL).</item>
/// <item>PR_SET_PDEATHSIG ties the child to the parent: if the parent dies, even of SIGKILL, the kernel kills the
/// child, as PostgreSQL ties its backends to the postmaster. The parent may have died before the call: the child then
/// sees another parent in getppid() and leaves.</item>
/// <item>The body's status is the exit status. Whatever happens, the child leaves with _exit: returning into the
/// runtime would run the parent's code paths and try to stop threads that do not exist here.</item>
/// </list>
/// The rules about what may run beside a fork and in a child are in <see cref="ForkSafety"/>.
/// </summary>
[SupportedOSPlatform("linux")]
public static class ChildStart
{
    /// <summary>
    /// The signals a child must set back to SIG_DFL, as the last rehearsal found them in the parent; every settable
    /// one until a model has rehearsed. The parent installs no handler after that (ForkSafety's rule 1: its signals
    /// come through the funnel, blocked, with no handler), and the runtime installs its own at start-up.
    /// </summary>
    private static SignalSet s_notAtDefault = Posix.SettableSignals;

    /// <summary>A child that runs managed code: SIGPIPE ignored, killed when the parent dies.</summary>
    public static ChildAttributes Managed(string name) => new(name, SignalSet.Of(Signals.SIGPIPE), Signals.SIGKILL);

    /// <summary>A child that will exec another program: every signal at its default, killed when the parent dies.</summary>
    public static ChildAttributes Program(string name) => new(name, default, Signals.SIGKILL);

    /// <summary>A child meant to outlive its parent (the orphan of <c>--leave-orphan</c>, the demos').</summary>
    public static ChildAttributes Untied(string name) => new(name, SignalSet.Of(Signals.SIGPIPE), 0);

    /// <summary>
    /// fork(2). In the child: the start-up, <paramref name="body"/>, _exit with its status; a body that throws is
    /// logged and exits 1. In the parent: the child's pid, or -EAGAIN or -ENOMEM when it could not be made.
    /// </summary>
    public static int Fork(ChildAttributes attributes, Func<int> body, EventLog log)
    {
        int parent = Posix.GetPid();
        int pid = Posix.Fork();
        if (pid == 0)
        {
            Run(attributes, parent, body, log);
        }
        return pid;
    }

    /// <summary>
    /// Under the JIT, makes the parent compile and bind everything a child runs between fork and body: it makes the
    /// start-up's calls with arguments that change nothing (<see cref="Posix.EnterChild"/>), and compiles this
    /// class's child path and each of <paramref name="bodies"/> itself (the body, and the delegates it calls). What the
    /// bodies call, the parent runs beforehand (the warm-up). Compiled code lives in the process that compiled it, and a
    /// child that compiles takes runtime locks another thread of the parent may have held at the moment of fork.
    /// NativeAOT needs none of it: its code is compiled ahead, and its libc functions are bound when it is loaded.
    /// </summary>
    public static void Rehearse(ChildAttributes attributes, params ReadOnlySpan<Delegate> bodies)
    {
        s_notAtDefault = Posix.NotAtDefault();
        if (!RuntimeFeature.IsDynamicCodeCompiled)
        {
            return;
        }
        Posix.EnterChild(attributes, Posix.GetPid(), s_notAtDefault, rehearsal: true);
        foreach (var body in bodies)
        {
            RuntimeHelpers.PrepareMethod(body.Method.MethodHandle);
        }
        RuntimeHelpers.PrepareMethod(((Action<ChildAttributes, int, Func<int>, EventLog>)Run).Method.MethodHandle);
        RuntimeHelpers.PrepareMethod(((Action<int>)Posix.Exit).Method.MethodHandle);
        // _exit cannot be rehearsed: its P/Invoke is bound ahead, named by a delegate the compiler checks.
        Marshal.Prelink(((Action<int>)LibC._exit).Method);
        // The test mode that has each child report its allocations writes one line for the parent here.
        ForkSafety.Report(ForkSafety.AllocatedSoFar());
    }

    [DoesNotReturn]
    private static void Run(ChildAttributes attributes, int parent, Func<int> body, EventLog log)
    {
        int status = ExitCodes.Failure;
        try
        {
            if (Posix.EnterChild(attributes, parent, s_notAtDefault, rehearsal: false) == 0)
            {
                long allocated = ForkSafety.AllocatedSoFar();
                status = body();
                ForkSafety.Report(allocated);
            }
        }
        catch (Exception e)
        {
            ReportFailure(e, log);
        }
        Posix.Exit(status);
    }

    /// <summary>
    /// Logs why a child failed. Should that fail too (no descriptor left to load what it needs, say), the child still
    /// reaches _exit: an exception leaving <see cref="Run"/> would unwind into the parent's frames, in the child.
    /// </summary>
    private static void ReportFailure(Exception failure, EventLog log)
    {
        try
        {
            log.Error("child-failed", $"child {Posix.GetPid()} failed: {failure.Message}", new LogField("error", failure.Message));
        }
        catch (Exception)
        {
            // Nothing is left to report with; the exit status, 1, still says the child failed.
        }
    }
}
