using ForkServer.Interop;
using ForkServer.Logging;

namespace ForkServer.Server;

/// <summary>
/// The one place that calls waitpid(2) for a server's children: collects their exit statuses, removes their
/// zombies from the process table, and logs each one.
/// </summary>
public sealed class Reaper(ChildTable children, EventLog log)
{
    private readonly List<(int Pid, WaitStatus Status)> _pass = [];

    /// <summary>
    /// False once waitpid(2) said ECHILD in the last <see cref="ReapFinished"/>: no child left at all, neither one
    /// of ours nor an adopted orphan. The kernel's answer, not the table's.
    /// </summary>
    public bool HasChildren { get; private set; } = true;

    /// <summary>
    /// Reaps every child that has finished, with waitpid(-1, WNOHANG) until none is ready, as tini does. One SIGCHLD
    /// can stand for many exits, so one wake-up must reap them all. Returns how many were reaped.
    /// </summary>
    public int ReapFinished()
    {
        _pass.Clear();
        int pid;
        while (true)
        {
            pid = Posix.WaitPid(-1, noHang: true, out var status);
            if (pid <= 0)
            {
                break;
            }
            _pass.Add((pid, status));
        }
        for (int i = 0; i < _pass.Count; i++)
        {
            // Every child reaped later in this same pass was a zombie when this one was reaped.
            Report(_pass[i].Pid, _pass[i].Status, zombiesLeft: _pass.Count - i - 1);
        }
        HasChildren = pid != Posix.NoChildren;
        if (pid == Posix.NoChildren)
        {
            // The kernel says no child is left, yet some are listed: SIGCHLD was ignored and it reaped them itself.
            children.Clear();
        }
        return _pass.Count;
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
                Report(pid, status, zombiesLeft: 0);
            }
            else if (result == Posix.NoChildren)
            {
                children.Remove(pid);
                log.Info("vanished", $"child {pid} ended and the kernel reaped it (SIGCHLD ignored); {children.Count} children running",
                    new LogField("child", pid), new LogField("running", children.Count));
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
                Report(pid, status, zombiesLeft: 0);
            }
            else
            {
                children.Remove(pid);
            }
        }
    }

    private void Report(int pid, WaitStatus status, int zombiesLeft)
    {
        if (children.Remove(pid) is not { } child)
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
        string peer = child.Label.ToString();
        log.Info("reaped",
            $"child {pid} {status} after {child.Age.TotalMilliseconds:0} ms; reaped ({zombiesLeft} zombies left, {children.Count} children running)",
            new LogField("child", pid), new LogField("peer", peer), new LogField("status", status.ToString()),
            new LogField("exit_code", status.Exited ? status.ExitCode : null), new LogField("signal", status.Signaled ? status.TermSignalName : null),
            new LogField("zombies_left", zombiesLeft), new LogField("running", children.Count));
    }
}
