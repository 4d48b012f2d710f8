using System.Runtime.InteropServices;

namespace ForkServer.Interop;

public static partial class Posix
{
    /// <summary>
    /// initgroups(3): the supplementary groups of <paramref name="user"/> from /etc/group, plus <paramref name="gid"/>.
    /// Neither Tmds.LibC nor Mono.Posix has it. Needs root, so it comes before setresuid.
    /// </summary>
    public static void InitGroups(string user, uint gid)
    {
        if (initgroups(user, gid) != 0)
        {
            Failed("initgroups");
        }
    }

    [LibraryImport(Libc, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int initgroups(string user, uint group);
}
