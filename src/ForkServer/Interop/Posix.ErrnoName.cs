using System.Runtime.InteropServices;

namespace ForkServer.Interop;

public static partial class Posix
{
    /// <summary>The symbolic name of an errno value ("EAGAIN"), from glibc's strerrorname_np(3).</summary>
    public static string ErrnoName(int errno)
    {
        try
        {
            return Marshal.PtrToStringUTF8(strerrorname_np(errno)) ?? $"errno {errno}";
        }
        catch (EntryPointNotFoundException)
        {
            // musl and glibc older than 2.32 do not have it; the number still identifies the error.
            return $"errno {errno}";
        }
    }

    [LibraryImport(Libc)]
    private static partial nint strerrorname_np(int errnum);
}
