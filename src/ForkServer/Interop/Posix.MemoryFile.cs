using Tmds.Linux;

namespace ForkServer.Interop;

public static partial class Posix
{
    /// <summary>
    /// memfd_create(2), close-on-exec: a new memory file named <paramref name="name"/> (NUL-terminated); its descriptor,
    /// or -EMFILE, -ENFILE or -ENOMEM when none can be made.
    /// </summary>
    public static unsafe int MemoryFile(ReadOnlySpan<byte> name)
    {
        int fd;
        fixed (byte* text = name)
        {
            fd = LibC.memfd_create(text, LibC.MFD_CLOEXEC);
        }
        return fd >= 0 ? fd : Failed("memfd_create", Errno.EMFILE, Errno.ENFILE, Errno.ENOMEM);
    }
}
