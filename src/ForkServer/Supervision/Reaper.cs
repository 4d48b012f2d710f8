using System.Runtime.Versioning;
using ForkServer.Interop;
using ForkServer.Logging;

namespace ForkServer.Supervision;

/// <summary>
/// The one place that calls waitpid(2) and waitid(2) for a server's children: collects their exit statuses, removes
/// their zombies from the process table, notes exits it is not to reap yet, and logs each one.
/// </summary>
[SupportedOSPlatform("linux")]
public sealed class Reaper(ChildTable children, EventLog log, Func<ChildLabel, WaitStatus, string?> meaning)
{
    private readonly List<(int Pid, WaitStatus Status)> _pass = [];

    /// <summary>
    /// False once waitpid(2) said ECHILD in the last <see cref="ReapFinished"/>: no child left at all, neither one of
    /// ours nor an adopted orphan. The kernel's answer, not the table's.
    /// </summary>
    public bool HasChildren { get; private set; } = true;

    /// <summary>What the last <see cref="ReapFinished"/> reaped, in order: for a caller that needs the statuses (init).</summary>
    public IReadOnlyList<(int Pid, WaitStatus Status)> LastReaped => _pass;

    /// <summary>
    /// Reaps every child that has finished, with waitpid(-1, WNOHANG) until none is ready, as tini does. One SIGCHLD
    /// can stand for many exits, so one wake-up must reap them all. Returns how many were reaped.
    /// </summary>
    public int ReapFinished()
    {
        _pass.Clear();
        int pid;
        while ((pid = Posix.WaitPid(-1, noHang: true, out var status)) > 0)
        {
            _pass.Add((pid, status));
        }
        for (int i = 0; i < _pass.Count; i++)
        {
            // Every child of ours reaped later in this same pass was a zombie when this one was reaped; those noted as
            // exited are counted by the table already.
            int unnoted = 0;
            for (int j = i + 1; j < _pass.Count; j++)
            {
                unnoted += children.Contains(_pass[j].Pid) && !children.HasExited(_pass[j].Pid) ? 1 : 0;
            }
            Report(_pass[i].Pid, _pass[i].Status, unnotedZombies: unnoted);
        }
        HasChildren = pid != -Errno.ECHILD;
        if (!HasChildren)
        {
            // The kernel says no child is left, yet some are listed: SIGCHLD was ignored and it reaped them itself.
            children.Clear();
        }
        return _pass.Count;
    }

    /// <summary>
    /// For the policies that leave zombies (accept, none): looks, without reaping, which listed children have exited
    /// since the last look, and logs each as a zombie, so the log (and a timeline made from it) says when it died.
    /// </summary>
    public void NoteExits()
    {
        foreach (int pid in children.Pids.ToArray())
        {
            if (Posix.PeekExit(pid, out var status) == 1 && children.MarkExited(pid) && !log.Quiet)
            {
                var child = children.All.First(c => c.Pid == pid);
                string why = meaning(child.Label, status) is { } text ? $" ({text})" : "";
                log.Info("exited",
                    $"child {pid} {status}{why} after {child.Lived.TotalMilliseconds:0} ms; now a zombie until it is reaped ({children.Zombies} zombies, {children.Count - children.Zombies} children running)",
                    new LogField("child", pid), new LogField("peer", child.Label.ToString()), new LogField("status", status.ToString()),
                    new LogField("exit_code", status.Exited ? status.ExitCode : null), new LogField("signal", status.Signaled ? status.TermSignalName : null),
                    new LogField("lived_ms", Math.Round(child.Lived.TotalMilliseconds, 1)), new LogField("zombies", children.Zombies));
            }
        }
    }

    /// <summary>
    /// With SIGCHLD ignored the kernel reaps by itself: forgets the listed children it reaped, whose pids may belong
    /// to other processes by now (waitpid(pid, WNOHANG) answers ECHILD for them, where kill(pid, 0) could find a
    /// stranger), and reaps those that ended after SIGCHLD became waitable again at shutdown.
    /// </summary>
    public void ForgetReapedByKernel()
    {
        foreach (int pid in children.Pids.ToArray())
        {
            int result = Posix.WaitPid(pid, noHang: true, out var status);
            if (result == pid)
            {
                Report(pid, status, unnotedZombies: 0);
            }
            else if (result == -Errno.ECHILD && children.Remove(pid) is { } child)
            {
                log.Info("vanished",
                    $"child {pid} ended and the kernel reaped it (SIGCHLD ignored): no exit status to collect; lived about {child.Age.TotalMilliseconds:0} ms; {children.Count} children running",
                    new LogField("child", pid), new LogField("peer", child.Label.ToString()), new LogField("lived_ms", Math.Round(child.Age.TotalMilliseconds, 1)),
                    new LogField("running", children.Count));
            }
        }
    }

    /// <summary>
    /// Waits, blocking, until each child still listed and each of <paramref name="adopted"/> has exited, and reaps
    /// it (for shutdown, once they were sent SIGKILL).
    /// </summary>
    public void ReapAllListed(IEnumerable<int> adopted)
    {
        foreach (int pid in children.Pids.Concat(adopted).ToArray())
        {
            if (Posix.WaitPid(pid, noHang: false, out var status) == pid)
            {
                Report(pid, status, unnotedZombies: 0);
            }
            else
            {
                children.Remove(pid);
            }
        }
    }

    /// <param name="unnotedZombies">Listed children still to be reaped in this pass that the table does not count as exited.</param>
    private void Report(int pid, WaitStatus status, int unnotedZombies)
    {
        if (children.Remove(pid, status) is not { } child)
        {
            log.Info("reaped", $"reaped orphan {pid} ({status}): adopted, not forked by this server",
                new LogField("child", pid), new LogField("status", status.ToString()), new LogField("orphan", true));
            return;
        }
        if (log.Quiet)
        {
            // Building the line would allocate, once per child, in a parent that otherwise allocates nothing per client.
            return;
        }
        string why = meaning(child.Label, status) is { } text ? $" ({text})" : "";
        string zombie = child.ZombieFor is { } zombieFor ? $", then a zombie for {zombieFor.TotalMilliseconds:0} ms" : "";
        int zombiesLeft = unnotedZombies + children.Zombies;
        int running = children.Count - zombiesLeft;
        log.Info("reaped",
            $"child {pid} {status}{why} after {child.Lived.TotalMilliseconds:0} ms{zombie}; reaped ({zombiesLeft} zombies left, {running} children running)",
            new LogField("child", pid), new LogField("peer", child.Label.ToString()), new LogField("status", status.ToString()),
            new LogField("exit_code", status.Exited ? status.ExitCode : null), new LogField("signal", status.Signaled ? status.TermSignalName : null),
            new LogField("lived_ms", Math.Round(child.Lived.TotalMilliseconds, 1)),
            new LogField("zombie_ms", child.ZombieFor is { } z ? Math.Round(z.TotalMilliseconds, 1) : null),
            new LogField("zombies_left", zombiesLeft), new LogField("running", running));
    }
}
