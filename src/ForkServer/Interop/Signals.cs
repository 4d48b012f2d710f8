namespace ForkServer.Interop;

/// <summary>The Linux signal numbers (x86-64 and arm64 share them), under the names <c>man 7 signal</c> uses.</summary>
public static class Signals
{
    public const int SIGHUP = 1;
    public const int SIGINT = 2;
    public const int SIGQUIT = 3;
    public const int SIGILL = 4;
    public const int SIGTRAP = 5;
    public const int SIGABRT = 6;
    public const int SIGBUS = 7;
    public const int SIGFPE = 8;
    public const int SIGKILL = 9;
    public const int SIGUSR1 = 10;
    public const int SIGSEGV = 11;
    public const int SIGUSR2 = 12;
    public const int SIGPIPE = 13;
    public const int SIGALRM = 14;
    public const int SIGTERM = 15;
    public const int SIGSTKFLT = 16;
    public const int SIGCHLD = 17;
    public const int SIGCONT = 18;
    public const int SIGSTOP = 19;
    public const int SIGTSTP = 20;
    public const int SIGTTIN = 21;
    public const int SIGTTOU = 22;
    public const int SIGURG = 23;
    public const int SIGXCPU = 24;
    public const int SIGXFSZ = 25;
    public const int SIGVTALRM = 26;
    public const int SIGPROF = 27;
    public const int SIGWINCH = 28;
    public const int SIGIO = 29;
    public const int SIGPWR = 30;
    public const int SIGSYS = 31;

    /// <summary>The last of the classic signals; 32 to 64 are real-time signals, two of them glibc's own.</summary>
    public const int LastStandard = 31;

    private static readonly string[] s_names =
    [
        "0", "SIGHUP", "SIGINT", "SIGQUIT", "SIGILL", "SIGTRAP", "SIGABRT", "SIGBUS", "SIGFPE", "SIGKILL", "SIGUSR1",
        "SIGSEGV", "SIGUSR2", "SIGPIPE", "SIGALRM", "SIGTERM", "SIGSTKFLT", "SIGCHLD", "SIGCONT", "SIGSTOP", "SIGTSTP",
        "SIGTTIN", "SIGTTOU", "SIGURG", "SIGXCPU", "SIGXFSZ", "SIGVTALRM", "SIGPROF", "SIGWINCH", "SIGIO", "SIGPWR", "SIGSYS",
    ];

    /// <summary>"SIGTERM" for 15; real-time signals as SIGRTMIN+N, as kill -l names them.</summary>
    public static string Name(int signal) =>
        signal is > 0 and <= LastStandard ? s_names[signal]
        : signal is >= 34 and <= 64 ? $"SIGRTMIN+{signal - 34}"
        : $"signal {signal}";

    /// <summary>The number for a name with or without SIG ("TERM", "sigterm", "15"); null if it names none.</summary>
    public static int? Parse(string text)
    {
        if (int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int number))
        {
            return number is > 0 and <= 64 ? number : null;
        }
        string name = text.StartsWith("SIG", StringComparison.OrdinalIgnoreCase) ? text : "SIG" + text;
        int index = Array.FindIndex(s_names, n => string.Equals(n, name, StringComparison.OrdinalIgnoreCase));
        return index > 0 ? index : null;
    }
}
