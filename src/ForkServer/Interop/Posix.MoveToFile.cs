using Tmds.Linux;

namespace ForkServer.Interop;

public static partial class Posix
{
    /// <summary>
    /// Puts the private, writable memory at [<paramref name="start"/>, +<paramref name="length"/>) (page-aligned) in the
    /// empty memory file <paramref name="file"/>: the bytes written to it, then mmap(2) of it MAP_PRIVATE | MAP_FIXED over
    /// the same addresses. The process sees the same bytes and its writes stay its own, as before; but a page it has not
    /// touched since is the file's, not a page of its own, and fork(2) copies no page-table entry for it (a read maps
    /// the 64 KiB around it, the kernel's fault-around, which MADV_RANDOM does not stop on Linux 6.18). Returns 0, or
    /// -ENOSPC or -ENOMEM when the file could not take the bytes (nothing has changed then). Allocates nothing. Only for
    /// memory no other thread writes meanwhile (such a write would be lost) and that nothing releases with madvise (a
    /// released page would read back the file, not zeros).
    /// </summary>
    public static unsafe int MoveToFile(int file, nint start, nuint length)
    {
        for (nuint done = 0; done < length;)
        {
            long n = LibC.write(file, (byte*)start + done, (size_t)(ulong)(length - done));
            if (n > 0)
            {
                done += (nuint)n;
            }
            else if (n < 0 && !Interrupted())
            {
                return Failed("write", Errno.ENOSPC, Errno.ENOMEM);
            }
        }
        void* mapped = LibC.mmap((void*)start, (size_t)(ulong)length, LibC.PROT_READ | LibC.PROT_WRITE, LibC.MAP_PRIVATE | LibC.MAP_FIXED, file, 0);
        if (mapped == LibC.MAP_FAILED)
        {
            Failed("mmap");
        }
        return 0;
    }
}
