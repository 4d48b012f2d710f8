using System.Runtime.Versioning;
using ForkServer.Interop;

namespace ForkServer.Demos;

/// <summary>
/// A pipe that children sleep on until the parent closes its writer: then they all wake at the same moment (poll
/// sees the hang-up). Made before the fork, so a child only runs <see cref="Sleep"/>, whose calls the parent made.
/// </summary>
[SupportedOSPlatform("linux")]
public sealed class WakePipe
{
    private readonly int _read;
    private readonly int _write;

    public WakePipe()
    {
        (_read, _write) = Posix.Pipe();
        // The child's calls, made once here with descriptors that change nothing, so no child compiles them.
        var (warmRead, warmWrite) = Posix.Pipe();
        Posix.Close(warmWrite);
        Posix.WaitReadable(warmRead, 0);
        Posix.Close(warmRead);
        Sleep = () =>
        {
            // The parent must hold the only writer, or closing it would wake no one.
            Posix.Close(_write);
            Posix.WaitReadable(_read, -1);
            return 0;
        };
    }

    /// <summary>In a child: sleeps until <see cref="WakeAll"/>; returns 0, a body for <see cref="Supervision.ChildStart.Fork"/>.</summary>
    public Func<int> Sleep { get; }

    /// <summary>In the parent: wakes every child asleep on it, and lets the pipe go.</summary>
    public void WakeAll()
    {
        Posix.Close(_write);
        Posix.Close(_read);
    }
}
