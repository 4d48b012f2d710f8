using System.Runtime.InteropServices;
using Tmds.Linux;

namespace ForkServer.Interop;

public static partial class Posix
{
    private const uint S_IFMT = 0xF000;
    private const uint S_IFIFO = 0x1000;
    private const uint S_IFCHR = 0x2000;
    private const uint S_IFREG = 0x8000;
    private const uint S_IFSOCK = 0xC000;

    /// <summary>fstat(2) and isatty(3): what <paramref name="fd"/> is, <see cref="DescriptorKind.Closed"/> when it is not open.</summary>
    public static unsafe DescriptorKind Describe(int fd)
    {
        // struct stat is 144 bytes on x86-64 and 128 on arm64; st_mode is at offset 24 and 16 respectively.
        byte* stat = stackalloc byte[256];
        if (fstat(fd, stat) != 0)
        {
            Failed("fstat", Errno.EBADF);
            return DescriptorKind.Closed;
        }
        uint mode = *(uint*)(stat + (RuntimeInformation.ProcessArchitecture == Architecture.Arm64 ? 16 : 24));
        return (mode & S_IFMT) switch
        {
            S_IFIFO => DescriptorKind.Pipe,
            S_IFCHR => LibC.isatty(fd) == 1 ? DescriptorKind.Terminal : DescriptorKind.CharacterDevice,
            S_IFSOCK => DescriptorKind.Socket,
            S_IFREG => DescriptorKind.File,
            _ => DescriptorKind.Other,
        };
    }

    [DllImport(Libc, SetLastError = true)]
    private static extern unsafe int fstat(int fd, byte* stat);
}
