using Tmds.Linux;

namespace ForkServer.Interop;

/// <summary>The errno values the server looks at, under their <c>man 3 errno</c> names.</summary>
public static class Errno
{
    public static readonly int EINTR = LibC.EINTR;
    public static readonly int EAGAIN = LibC.EAGAIN;
    public static readonly int EBADF = LibC.EBADF;
    public static readonly int ECHILD = LibC.ECHILD;
    public static readonly int ESRCH = LibC.ESRCH;
    public static readonly int EPIPE = LibC.EPIPE;
    public static readonly int EIO = LibC.EIO;
    public static readonly int ENOSPC = LibC.ENOSPC;
    public static readonly int ENXIO = LibC.ENXIO;
    public static readonly int ENOENT = LibC.ENOENT;
    public static readonly int EACCES = LibC.EACCES;
    public static readonly int EPERM = LibC.EPERM;
    public static readonly int EINVAL = LibC.EINVAL;
    public static readonly int ENOMEM = LibC.ENOMEM;
    public static readonly int EMFILE = LibC.EMFILE;
    public static readonly int ENFILE = LibC.ENFILE;
    public static readonly int ENOBUFS = LibC.ENOBUFS;
    public static readonly int ENOTCONN = LibC.ENOTCONN;
    public static readonly int ENOEXEC = LibC.ENOEXEC;
    public static readonly int ENOTDIR = LibC.ENOTDIR;
    public static readonly int EISDIR = LibC.EISDIR;
    public static readonly int EROFS = LibC.EROFS;
    public static readonly int ELOOP = LibC.ELOOP;
    public static readonly int ENAMETOOLONG = LibC.ENAMETOOLONG;
    public static readonly int ENOSYS = LibC.ENOSYS;
    public static readonly int EPROTO = LibC.EPROTO;
    public static readonly int ECONNABORTED = LibC.ECONNABORTED;
    public static readonly int ECONNRESET = LibC.ECONNRESET;
    public static readonly int ECONNREFUSED = LibC.ECONNREFUSED;
    public static readonly int ETIMEDOUT = LibC.ETIMEDOUT;
    public static readonly int EADDRINUSE = LibC.EADDRINUSE;
    public static readonly int EADDRNOTAVAIL = LibC.EADDRNOTAVAIL;
    public static readonly int EAFNOSUPPORT = LibC.EAFNOSUPPORT;
    public static readonly int EDQUOT = LibC.EDQUOT;
    public static readonly int EFBIG = LibC.EFBIG;
    public static readonly int EBUSY = LibC.EBUSY;
    public static readonly int ENOTTY = LibC.ENOTTY;

    /// <summary>True when a wrapper's negative result is one of the errnos that mean "out of descriptors or memory".</summary>
    public static bool IsOutOfResources(int negated) =>
        negated == -EMFILE || negated == -ENFILE || negated == -ENOBUFS || negated == -ENOMEM;
}
