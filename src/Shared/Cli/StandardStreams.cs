namespace ForkServer.Cli;

/// <summary>
/// A program started with descriptor 0, 1 or 2 closed finds there, later, whatever the runtime opened first: a pipe of
/// its own under the JIT, /dev/urandom under NativeAOT. Reading or writing that would meddle with the runtime's
/// plumbing, and a client would send its bytes on as lines. The runtime opens its descriptors close-on-exec, and no
/// descriptor inherited across execve can have that flag: so the flag tells. It is read from /proc/self/fdinfo, which
/// both executables can read (forkclient has no system calls of its own).
/// </summary>
public static class StandardStreams
{
    /// <summary>O_CLOEXEC, in the octal "flags:" line of /proc/self/fdinfo/N.</summary>
    private const int CloseOnExec = 0x80000;

    /// <summary>
    /// Whether standard descriptor <paramref name="fd"/> was closed when the program started: not open now, or open
    /// close-on-exec. False where it cannot tell (not Linux; no /proc; no descriptor left to read it with).
    /// </summary>
    public static bool WereClosed(int fd)
    {
        if (!OperatingSystem.IsLinux())
        {
            return false;
        }
        try
        {
            string? flags = File.ReadLines($"/proc/self/fdinfo/{fd}").FirstOrDefault(l => l.StartsWith("flags:", StringComparison.Ordinal));
            return flags is not null && (Convert.ToInt32(flags["flags:".Length..].Trim(), 8) & CloseOnExec) != 0;
        }
        catch (FileNotFoundException)
        {
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>Why a command that reads <paramref name="what"/> from standard input, started with it closed, refuses.</summary>
    public static string InputClosed(string what) => $"standard input is closed, and {what} read from it: give it a terminal or a file";
}
