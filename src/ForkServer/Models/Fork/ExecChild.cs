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
    /// closes every descriptor above the last one, and execs <paramref name="image"/>. Returns only if execve failed,
    /// with the status to exit with.
    /// </summary>
    public static int Become(int client, ReadOnlySpan<int> targets, ExecImage image)
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
        Posix.CloseFrom(targets[^1] + 1);
        return FailureStatus(Posix.Exec(image));
    }

    /// <summary>The exit status for a failed execve (its negated errno), as a shell reports it.</summary>
    public static int FailureStatus(int failed) => failed == -Errno.ENOENT || failed == -Errno.ENOTDIR ? NotFound : NotExecutable;

    /// <summary>
    /// In the parent, under the JIT: the same calls with arguments that change nothing, so that their P/Invokes are
    /// bound before the first fork (a child must make no code): dup2 of a descriptor onto itself, close_range above
    /// every descriptor, execve of an empty path.
    /// </summary>
    public static void Rehearse()
    {
        Posix.Dup2(2, 2);
        Posix.CloseFrom(int.MaxValue);
        Posix.Exec(ExecImage.Nothing);
    }
}
