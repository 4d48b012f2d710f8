using System.Net;
using System.Runtime.Versioning;
using ForkServer.Cli;
using ForkServer.Interop;

namespace ForkServer.Networking;

/// <summary>
/// Root is needed for one thing only, binding a port below 1024: after the bind the server becomes an ordinary user,
/// before it serves anyone (as OpenSSH does). Children inherit the lowered ids.
/// </summary>
[SupportedOSPlatform("linux")]
public static class Privileges
{
    /// <summary>
    /// Before binding: refuses to face the network as root with no user to become, so that a bug in a child is
    /// never a root shell on a public address.
    /// </summary>
    public static void RefuseRootOnPublicAddress(IPAddress address, string? user, bool allowRoot)
    {
        if (user is null && !allowRoot && !IPAddress.IsLoopback(address) && Posix.GetEffectiveUid() == 0)
        {
            throw new StartupException(
                $"refusing to serve {address} as root: add --user nobody to drop privileges after binding, or --allow-root if you really mean it");
        }
    }

    /// <summary>After binding, before the first client: becomes <paramref name="user"/> for good, if one was named.</summary>
    public static void DropAfterBind(string? user)
    {
        if (user is not null)
        {
            DropTo(user);
        }
    }

    private static void DropTo(string user)
    {
        if (Posix.GetPasswd(user) is not (uint uid, uint gid))
        {
            throw new StartupException($"--user {user}: no such user in the password database");
        }
        if (Posix.GetEffectiveUid() != 0)
        {
            throw new StartupException($"--user {user} needs the server to start as root; it runs as uid {Posix.GetEffectiveUid()} already");
        }
        // Groups first: once the uid is not root, the process may no longer change its groups.
        Posix.InitGroups(user, gid);
        Posix.SetResGid(gid);
        Posix.SetResUid(uid);
    }
}
