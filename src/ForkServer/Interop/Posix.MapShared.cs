using Tmds.Linux;

namespace ForkServer.Interop;

public static partial class Posix
{
    /// <summary>
    /// mmap(2) of <paramref name="length"/> zeroed bytes, MAP_SHARED | MAP_ANONYMOUS: memory that processes forked
    /// afterwards share with this one instead of copying it on write.
    /// </summary>
    public static unsafe void* MapShared(nuint length)
    {
        void* address = LibC.mmap(null, (size_t)length, LibC.PROT_READ | LibC.PROT_WRITE, LibC.MAP_SHARED | LibC.MAP_ANONYMOUS, -1, 0);
        if (address == LibC.MAP_FAILED)
        {
            Failed("mmap");
        }
        return address;
    }
}
