namespace ForkServer.Interop;

/// <summary>
/// The status word waitpid(2) fills in, decoded as glibc's WIFEXITED, WEXITSTATUS, WIFSIGNALED and WTERMSIG macros do
/// (the layout is the kernel's: the exit code in bits 8-15, a terminating signal in bits 0-6).
/// </summary>
public readonly record struct WaitStatus(int Raw)
{
    public static WaitStatus FromExit(int code) => new((code & 0xff) << 8);

    public static WaitStatus FromSignal(int signal) => new(signal & 0x7f);

    public bool Exited => (Raw & 0x7f) == 0;

    public int ExitCode => (Raw >> 8) & 0xff;

    public bool Signaled => (Raw & 0x7f) != 0 && (Raw & 0x7f) != 0x7f;

    public int TermSignal => Raw & 0x7f;

    /// <summary>The signal's name as <c>kill -l</c> prints it with the SIG prefix, e.g. SIGKILL.</summary>
    public string TermSignalName => Signals.Name(TermSignal);

    /// <summary>What a shell makes of it: the exit code, or 128 plus the signal's number.</summary>
    public int ShellStatus => Exited ? ExitCode : 128 + TermSignal;

    /// <summary>What <c>man 2 wait</c> would call it: "exited with status 3" or "killed by SIGKILL".</summary>
    public override string ToString() =>
        Exited ? $"exited with status {ExitCode}"
        : Signaled ? $"killed by {TermSignalName}"
        : $"changed state (status 0x{Raw:x})";
}
