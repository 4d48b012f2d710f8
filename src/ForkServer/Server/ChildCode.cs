using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using ForkServer.Interop;
using Tmds.Linux;

namespace ForkServer.Server;

/// <summary>
/// Under the JIT, compiles in the parent the code every forked child runs around its session (resetting signals,
/// closing the self-pipe, _exit) and binds the libc calls it makes. Compiled code and resolved calls live in the
/// process that made them: without this, each child would compile and bind them again, for every client (measured:
/// most of a JIT child's time). The session itself is compiled by <see cref="Warmup"/>. NativeAOT needs none of it.
/// </summary>
public static class ChildCode
{
    private const BindingFlags Any = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.Instance;

    private static bool s_commonPathPrepared;

    /// <summary>Compiles <paramref name="childBody"/> (cheap once done) and, the first time, the path around it.</summary>
    public static void Prepare(Delegate childBody)
    {
        if (!RuntimeFeature.IsDynamicCodeCompiled)
        {
            return;
        }
        RuntimeHelpers.PrepareMethod(childBody.Method.MethodHandle);
        if (s_commonPathPrepared)
        {
            return;
        }
        s_commonPathPrepared = true;
        RuntimeHelpers.PrepareMethod(typeof(Supervisor).GetMethod("RunChild", Any)!.MethodHandle);
        RuntimeHelpers.PrepareMethod(typeof(SignalWatcher).GetMethod(nameof(SignalWatcher.DetachInChild), Any)!.MethodHandle);
        foreach (string name in new[] { nameof(Posix.SetSignalDisposition), nameof(Posix.Close), nameof(Posix.Exit), nameof(Posix.GetPid) })
        {
            RuntimeHelpers.PrepareMethod(typeof(Posix).GetMethod(name, Any)!.MethodHandle);
        }
        // LibC's static constructor (SIG_DFL, SIG_IGN and the other constants) would otherwise first run in each child.
        RuntimeHelpers.RunClassConstructor(typeof(LibC).TypeHandle);
        foreach (string name in new[] { "sigaction", "sigemptyset", "close", "_exit", "getpid" })
        {
            Marshal.Prelink(typeof(LibC).GetMethod(name, Any)!);
        }
    }
}
