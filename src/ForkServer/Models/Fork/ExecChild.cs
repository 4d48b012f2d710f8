using System.Runtime.Versioning;
using ForkServer.Interop;

namespace ForkServer.Models.Fork;

/// <summary>
/// How a child forked for a client becomes another program (the spawn and exec models): the client's socket on the
/// descriptors the program expects, every other descriptor closed, then execve(2). The signal state was reset by the
/// child's start-up already, so the program starts as a shell would start it.
/// </summary>
[SupportedOSPlatform("linux")]
public static class ExecChild
{
    /// <summary>The exit status when execve fails, as a shell reports it: 127 not found, 126 found but not runnable.</summary>
    public const int NotFound = 127;
    public const int NotExecutable = 126;

    /// <summary>
    /// In the child: makes each of <paramref name="targets"/> (in increasing order) a copy of <paramref name="client"/>,
    /// and the descriptor after the last a copy of <paramref name="alongside"/> unless that is -1; closes every
    /// descriptor above those and above 2 (0, 1 and 2 are the standard streams: what is not the client stays the
    /// server's), and execs <paramref name="image"/>. Returns only if execve failed, with the status to exit with.
    /// </summary>
    /// <param name="alongside">A second descriptor for the program (a spawn pool's ready pipe); it lies above every
    /// target, so copying the client cannot overwrite it.</param>
    public static int Become(int client, ReadOnlySpan<int> targets, ExecImage image, int alongside = -1)
    {
        foreach (int target in targets)
        {
            if (target == client)
            {
                Posix.ClearCloseOnExec(target);
            }
            else
            {
                Posix.Dup2(client, target);
            }
        }
        int last = targets[^1];
        if (alongside >= 0)
        {
            Posix.Dup2(alongside, ++last);
        }
        Posix.CloseFrom(Math.Max(last, 2) + 1);
        return FailureStatus(Posix.Exec(image));
    }

    /// <summary>The status to exit with after <see cref="Posix.Exec"/> returned <paramref name="failed"/>.</summary>
    public static int FailureStatus(int failed) => failed == -Errno.ENOENT || failed == -Errno.ENOTDIR ? NotFound : NotExecutable;

    /// <summary>
    /// In the parent, under the JIT: the same calls with arguments that change nothing, so that their P/Invokes are
    /// bound before the first fork (a child must make no code): dup2 of a descriptor onto itself, close_range above
    /// every descriptor, execve of an empty path; and compiles <see cref="Become"/> itself, which the model's body calls.
    /// </summary>
    public static void Rehearse()
    {
        System.Runtime.CompilerServices.RuntimeHelpers.PrepareMethod(((BecomeCall)Become).Method.MethodHandle);
        Posix.Dup2(2, 2);
        Posix.CloseFrom(int.MaxValue);
        Posix.Exec(ExecImage.Nothing);
    }

    /// <summary><see cref="Become"/>'s shape, to name it to the compiler without reflection (it takes a span, which no Func can).</summary>
    private delegate int BecomeCall(int client, ReadOnlySpan<int> targets, ExecImage image, int alongside);
}
