using System.Runtime.InteropServices;

namespace ForkServer.Interop;

public static partial class Posix
{
    private const int X_OK = 1;

    /// <summary>
    /// eaccess(2) for execution: whether this process may execute <paramref name="path"/>, checked with its effective
    /// ids as execve(2) checks it. 0, or -ENOENT, -ENOTDIR, -EACCES, -ELOOP, -ENAMETOOLONG.
    /// </summary>
    public static int CanExecute(string path) =>
        eaccess(path, X_OK) == 0 ? 0 : Failed("eaccess", Errno.ENOENT, Errno.ENOTDIR, Errno.EACCES, Errno.ELOOP, Errno.ENAMETOOLONG);

    [DllImport(Libc, SetLastError = true)]
    private static extern int eaccess([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int mode);
}
