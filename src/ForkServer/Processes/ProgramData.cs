using System.Globalization;
using System.Runtime.Versioning;
using ForkServer.Interop;

namespace ForkServer.Processes;

/// <summary>
/// The executable's zero-initialized data (.bss), which the kernel maps as anonymous memory right after the
/// executable's last file mapping. Under NativeAOT it is about 1 MiB: the runtime writes its type data and statics
/// there at start-up (the ".hydrated" section), so every page of it is a written page of the process, fork(2) copies
/// a page-table entry for each and each child's exit tears them down again, though the forking loop touches a few
/// dozen. <see cref="MoveToFile"/> puts them in a memory file: the same bytes, but only the pages the server touches
/// afterwards are in its page table, and so in a child's.
/// </summary>
[SupportedOSPlatform("linux")]
public static class ProgramData
{
    /// <summary>The memory file's name, as /proc/PID/maps shows it: <c>/memfd:forkserver-bss (deleted)</c>.</summary>
    public const string FileName = "forkserver-bss";

    /// <summary>
    /// Moves the executable's .bss into a memory file (<see cref="Posix.MoveToFile"/>); its size in bytes, or 0 if the
    /// executable has none of its own (its zero-initialized data fits in the last page of its file mapping). Only while
    /// no other thread of ours runs: it waits for the runtime's finalizer to be idle, and allocates nothing after that,
    /// so no collection wakes it while the bytes are copied.
    /// </summary>
    public static long MoveToFile()
    {
        if (Find() is not var (start, end))
        {
            return 0;
        }
        byte[] name = System.Text.Encoding.UTF8.GetBytes(FileName + "\0");
        GC.WaitForPendingFinalizers();
        Posix.MoveToFile((nint)start, (nuint)(end - start), name);
        return end - start;
    }

    /// <summary>The address range of the executable's .bss, from /proc/self/maps; null if there is none.</summary>
    private static (long Start, long End)? Find()
    {
        string executable = File.ResolveLinkTarget("/proc/self/exe", returnFinalTarget: false)?.FullName ?? "";
        long imageEnd = -1;
        foreach (string line in File.ReadLines("/proc/self/maps"))
        {
            // start-end perms offset dev inode [path]
            string[] fields = line.Split(' ', 6, StringSplitOptions.RemoveEmptyEntries);
            var (start, end) = Range(fields[0]);
            string path = fields.Length > 5 ? fields[5].Trim() : "";
            if (path == executable || path == executable + " (deleted)")
            {
                imageEnd = end;
            }
            else if (imageEnd >= 0)
            {
                return start == imageEnd && fields[1] == "rw-p" && fields[4] == "0" && path.Length == 0 ? (start, end) : null;
            }
        }
        return null;
    }

    private static (long Start, long End) Range(string field)
    {
        int dash = field.IndexOf('-');
        return (long.Parse(field.AsSpan(0, dash), NumberStyles.HexNumber, CultureInfo.InvariantCulture),
            long.Parse(field.AsSpan(dash + 1), NumberStyles.HexNumber, CultureInfo.InvariantCulture));
    }
}
