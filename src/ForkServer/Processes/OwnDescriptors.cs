using System.Runtime.Versioning;

namespace ForkServer.Processes;

/// <summary>
/// What /proc says about this process's own descriptors. A program started with descriptor 0, 1 or 2 closed finds
/// there, later, whatever the runtime opened first: a pipe of its own, under the JIT. Reading or writing that would be
/// meddling with the runtime's plumbing, so the server treats such a descriptor as closed.
/// </summary>
[SupportedOSPlatform("linux")]
public static class OwnDescriptors
{
    /// <summary>
    /// A pipe whose writing end this process holds too (besides <paramref name="fd"/> itself): one the runtime made for
    /// itself, not one we were given. The runtime keeps a copy of a real standard input's reading end, so only a
    /// writing end tells.
    /// </summary>
    public static bool IsOwnPipe(int fd)
    {
        string? target = new FileInfo($"/proc/self/fd/{fd}").LinkTarget;
        return target is not null && Directory.EnumerateFiles("/proc/self/fd")
            .Where(path => Path.GetFileName(path) != fd.ToString(System.Globalization.CultureInfo.InvariantCulture))
            .Where(path => new FileInfo(path).LinkTarget == target)
            .Any(path => OpenFor(Path.GetFileName(path)) != OpenFor(fd.ToString(System.Globalization.CultureInfo.InvariantCulture)));
    }

    /// <summary>The access mode in /proc/self/fdinfo/N's "flags:" line (octal): 0 read, 1 write, 2 both; -1 if it is gone.</summary>
    private static int OpenFor(string fd)
    {
        try
        {
            return File.ReadLines($"/proc/self/fdinfo/{fd}")
                .FirstOrDefault(line => line.StartsWith("flags:", StringComparison.Ordinal)) is { } flags
                ? Convert.ToInt32(flags["flags:".Length..].Trim(), 8) & 3
                : -1;
        }
        catch (IOException)
        {
            return -1;
        }
    }
}
