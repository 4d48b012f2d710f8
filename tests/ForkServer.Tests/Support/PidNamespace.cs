using System.Diagnostics;

namespace ForkServer.Tests.Support;

/// <summary>A new PID namespace with its own /proc, made by util-linux unshare: whatever runs in it first is PID 1.</summary>
public static class PidNamespace
{
    public static readonly string[] Unshare = ["unshare", "--pid", "--fork", "--mount-proc"];

    /// <summary>Skips the test, saying why, where this machine does not let us make one.</summary>
    public static void SkipUnlessPermitted()
    {
        try
        {
            using var probe = Process.Start(new ProcessStartInfo(Unshare[0], [.. Unshare[1..], "true"]) { RedirectStandardError = true })!;
            string error = probe.StandardError.ReadToEnd();
            probe.WaitForExit();
            Assert.SkipUnless(probe.ExitCode == 0, $"this machine does not permit `unshare --pid --fork --mount-proc` (needs root or user namespaces): {error.Trim()}");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            Assert.Skip($"unshare (util-linux) is not installed: {e.Message}");
        }
    }
}
