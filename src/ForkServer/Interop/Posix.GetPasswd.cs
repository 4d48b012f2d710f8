using Mono.Unix.Native;

namespace ForkServer.Interop;

public static partial class Posix
{
    /// <summary>getpwnam(3), through Mono.Posix: the user's uid and primary gid, or null if there is no such user.</summary>
    public static (uint Uid, uint Gid)? GetPasswd(string user) =>
        Syscall.getpwnam(user) is { } entry ? (entry.pw_uid, entry.pw_gid) : null;
}
