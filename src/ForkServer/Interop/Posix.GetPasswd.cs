using System.Runtime.InteropServices;

namespace ForkServer.Interop;

public static partial class Posix
{
    /// <summary>getpwnam(3): the user's uid and primary gid from the password database, or null if there is no such user.</summary>
    public static unsafe (uint Uid, uint Gid)? GetPasswd(string user)
    {
        // struct passwd: char *pw_name, char *pw_passwd, uid_t pw_uid, gid_t pw_gid, ...
        byte* entry = getpwnam(user);
        return entry == null ? null : (*(uint*)(entry + 2 * sizeof(nint)), *(uint*)(entry + 2 * sizeof(nint) + 4));
    }

    [LibraryImport(Libc, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static unsafe partial byte* getpwnam(string name);
}
