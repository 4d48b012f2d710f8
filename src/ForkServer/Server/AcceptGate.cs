using System.Diagnostics;
using ForkServer.Logging;

namespace ForkServer.Server;

/// <summary>
/// Decides when the parent may take the next client: never past <c>--max-children</c> (xinetd's <c>instances</c>;
/// waiting clients stay in the listen backlog), and not for a moment after accept(2) ran out of descriptors (EMFILE,
/// ENFILE), because the listening socket stays readable and polling it again at once would spin a core. Each
/// episode of holding back is logged when it starts and when it ends, not once per client: a limit episode ends
/// when the backlog it filled has been emptied, not each time one child exits.
/// </summary>
public sealed class AcceptGate(int maxChildren, EventLog log)
{
    /// <summary>How long accepting pauses after accept(2) ran out of descriptors.</summary>
    public static readonly TimeSpan Backoff = TimeSpan.FromMilliseconds(100);

    private long _pausedUntil;
    private HoldReason _holding;
    private int _acceptedWhileHeld;

    private enum HoldReason
    {
        None,
        ChildLimit,
        Descriptors,
    }

    /// <summary>Whether to poll the listening socket now, given how many children are alive.</summary>
    public bool IsOpen(int children)
    {
        if (children >= maxChildren)
        {
            Hold(HoldReason.ChildLimit,
                $"{children} children alive, the limit (--max-children {maxChildren}): not accepting until one exits; new clients wait in the backlog");
            return false;
        }
        return Stopwatch.GetTimestamp() >= _pausedUntil;
    }

    /// <summary>How long the loop may sleep: the sweep, or less while a back-off is running out.</summary>
    public int WaitMilliseconds(int sweepMilliseconds)
    {
        long remaining = _pausedUntil - Stopwatch.GetTimestamp();
        return remaining <= 0
            ? sweepMilliseconds
            : (int)Math.Clamp(remaining * 1000 / Stopwatch.Frequency + 1, 1, sweepMilliseconds);
    }

    /// <summary>
    /// accept(2) failed for want of descriptors or memory (<paramref name="failure"/> says how): hold back for
    /// <see cref="Backoff"/> instead of retrying at once.
    /// </summary>
    public void OutOfResources(string failure)
    {
        _pausedUntil = Stopwatch.GetTimestamp() + (long)(Backoff.TotalSeconds * Stopwatch.Frequency);
        Hold(HoldReason.Descriptors,
            $"{failure}; retrying every {Backoff.TotalMilliseconds:0} ms, clients wait in the backlog");
    }

    public void Accepted()
    {
        _acceptedWhileHeld++;
        if (_holding == HoldReason.Descriptors)
        {
            Release("accept works again");
        }
    }

    /// <summary>The gate was open and no client was waiting: whatever queued up behind the limit has been served.</summary>
    public void BacklogEmpty(int children)
    {
        if (_holding == HoldReason.ChildLimit)
        {
            Release($"backlog empty: the {_acceptedWhileHeld} clients accepted since the limit was reached have their children; {children} children alive");
        }
    }

    private void Hold(HoldReason reason, string message)
    {
        if (_holding != reason)
        {
            _holding = reason;
            _acceptedWhileHeld = 0;
            log.Error("holding", message, new LogField("reason", reason.ToString()));
        }
    }

    private void Release(string message)
    {
        _holding = HoldReason.None;
        log.Info("accepting", message);
    }
}
