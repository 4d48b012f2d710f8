using Tmds.Linux;

namespace ForkServer.Interop;

public static partial class Posix
{
    /// <summary>
    /// Puts the private, writable memory at [<paramref name="start"/>, +<paramref name="length"/>) (page-aligned) in a
    /// new memory file named <paramref name="name"/> (NUL-terminated): memfd_create(2), the bytes written to it, then
    /// mmap(2) of that file MAP_PRIVATE | MAP_FIXED over the same addresses, and madvise(2) MADV_RANDOM, so that a
    /// read maps the one page it reads, not the pages around it. The process sees the same bytes and its writes stay
    /// its own, as before; but a page it has not touched since is the file's, not a page of its own, and fork(2)
    /// copies no page-table entry for it. Allocates nothing. Only for memory no other thread writes meanwhile (such a
    /// write would be lost) and that nothing releases with madvise (a released page would read back the file, not
    /// zeros).
    /// </summary>
    public static unsafe void MoveToFile(nint start, nuint length, ReadOnlySpan<byte> name)
    {
        int fd;
        fixed (byte* text = name)
        {
            fd = LibC.memfd_create(text, LibC.MFD_CLOEXEC);
        }
        if (fd < 0)
        {
            Failed("memfd_create");
        }
        try
        {
            for (nuint done = 0; done < length;)
            {
                long n = LibC.write(fd, (byte*)start + done, (size_t)(ulong)(length - done));
                if (n < 0 && !Interrupted())
                {
                    Failed("write");
                }
                done += n > 0 ? (nuint)n : 0;
            }
            void* mapped = LibC.mmap((void*)start, (size_t)(ulong)length, LibC.PROT_READ | LibC.PROT_WRITE, LibC.MAP_PRIVATE | LibC.MAP_FIXED, fd, 0);
            if (mapped == LibC.MAP_FAILED)
            {
                Failed("mmap");
            }
            if (LibC.madvise(mapped, (size_t)(ulong)length, LibC.MADV_RANDOM) != 0)
            {
                Failed("madvise");
            }
        }
        finally
        {
            LibC.close(fd);
        }
    }
}
