using System.Runtime.InteropServices;

namespace ForkServer.Interop;

public static partial class Posix
{
    private const int X_OK = 1;

    /// <summary>access(2) with X_OK: whether this process may execute <paramref name="path"/> (for a directory: search it).</summary>
    public static bool CanExecute(string path) => access(path, X_OK) == 0;

    [DllImport(Libc, SetLastError = true)]
    private static extern int access([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int mode);
}
