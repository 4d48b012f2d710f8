using System.Globalization;
using System.Runtime.Versioning;
using ForkServer.Interop;

namespace ForkServer.Processes;

/// <summary>
/// The executable's zero-initialized data (.bss), which the kernel maps as anonymous memory right after the
/// executable's last file mapping. Under NativeAOT it is about 1 MiB: the runtime writes its type data and statics
/// there at start-up (the ".hydrated" section), so every page of it is a written page of the process, fork(2) copies
/// a page-table entry for each and each child's exit tears them down again, though the forking loop touches a few
/// dozen. <see cref="Move"/> puts them in a memory file: the same bytes, but only the pages the server touches
/// afterwards are in its page table, and so in a child's. The file's descriptor stays open (close-on-exec): it is
/// made before the server says it listens, so that its descriptors do not change after that.
/// </summary>
[SupportedOSPlatform("linux")]
public sealed class ProgramData
{
    /// <summary>The memory file's name, as /proc/PID/maps shows it: <c>/memfd:forkserver-bss (deleted)</c>.</summary>
    public const string FileName = "forkserver-bss";

    private readonly int _file;
    private readonly long _start;
    private readonly long _end;

    private ProgramData(int file, long start, long end) => (_file, _start, _end) = (file, start, end);

    /// <summary>
    /// The memory file for the executable's .bss; null if the executable has none of its own (its zero-initialized
    /// data fits in the last page of its file mapping), or if no memory file could be made (why, in
    /// <paramref name="failure"/>).
    /// </summary>
    public static ProgramData? Open(out string? failure)
    {
        failure = null;
        if (Find() is not var (start, end))
        {
            return null;
        }
        int file = Posix.MemoryFile(System.Text.Encoding.UTF8.GetBytes(FileName + "\0"));
        if (file < 0)
        {
            failure = PosixException.Describe("memfd_create", -file);
            return null;
        }
        return new ProgramData(file, start, end);
    }

    /// <summary>
    /// Moves the .bss into the file (<see cref="Posix.MoveToFile"/>): null, or why it stays where it is. Only while no
    /// other thread of ours runs: it waits for the runtime's finalizer to be idle, and allocates nothing after that, so
    /// no collection wakes it while the bytes are copied.
    /// </summary>
    public string? Move()
    {
        GC.WaitForPendingFinalizers();
        int moved = Posix.MoveToFile(_file, (nint)_start, (nuint)(_end - _start));
        return moved < 0 ? PosixException.Describe("write", -moved) : null;
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
