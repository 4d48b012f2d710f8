using Mono.Unix.Native;

namespace ForkServer.Interop;

/// <summary>
/// The status word waitpid(2) fills in, decoded with the WIFEXITED/WEXITSTATUS/WIFSIGNALED/WTERMSIG macros as
/// Mono.Posix exports them.
/// </summary>
public readonly record struct WaitStatus(int Raw)
{
    public bool Exited => Syscall.WIFEXITED(Raw);

    public int ExitCode => Syscall.WEXITSTATUS(Raw);

    public bool Signaled => Syscall.WIFSIGNALED(Raw);

    /// <summary>The signal's name as <c>kill -l</c> prints it with the SIG prefix, e.g. SIGKILL.</summary>
    public string TermSignalName => Syscall.WTERMSIG(Raw).ToString();

    /// <summary>What <c>man 2 wait</c> would call it: "exited with status 3" or "killed by SIGKILL".</summary>
    public override string ToString() =>
        Exited ? $"exited with status {ExitCode}"
        : Signaled ? $"killed by {TermSignalName}"
        : $"changed state (status 0x{Raw:x})";
}
