using System.Diagnostics;
using ForkServer.Logging;

namespace ForkServer.Networking;

/// <summary>
/// Decides when the parent may take the next client: never past <c>--max-children</c> (xinetd's <c>instances</c>;
/// waiting clients stay in the listen backlog), and not for a moment after accept(2) ran out of descriptors (EMFILE,
/// ENFILE), because the listening socket stays readable and polling it again at once would spin a core. Each
/// episode of holding back is logged when it starts and when it ends, not once per client: a limit episode ends
/// when the backlog it filled has been emptied, not each time one child exits. <paramref name="what"/> names what the
/// limit counts: children, sessions.
/// <para>With <c>--rate N/SECONDS</c> (xinetd's <c>cps</c>) it also lets at most N clients in over any SECONDS: the
/// (N+1)th waits, with the clients behind it in the backlog, until the first of the N is SECONDS old.</para>
/// </summary>
public sealed class AcceptGate(int maxChildren, string what, EventLog log, ConnectionRate? rate = null)
{
    /// <summary>How long accepting pauses after accept(2) ran out of descriptors.</summary>
    public static readonly TimeSpan Backoff = TimeSpan.FromMilliseconds(100);

    private long _pausedUntil;
    private HoldReason _holding;
    private int _acceptedWhileHeld;

    // When each of the last N clients was accepted (Stopwatch ticks), oldest at _next: a ring made once.
    private readonly long[] _recent = new long[rate?.Count ?? 0];
    private int _next;

    private enum HoldReason
    {
        None,
        ChildLimit,
        // Every slot held by a zombie: said again, since only reaping (not a session ending) frees one now.
        ZombieLimit,
        Descriptors,
        Rate,
    }

    /// <summary>
    /// Whether to poll the listening socket now, given how many slots are taken; <paramref name="zombies"/> of them by
    /// children that have exited but are not reaped yet, which keep their slot until they are.
    /// </summary>
    public bool IsOpen(int taken, int zombies = 0)
    {
        if (taken >= maxChildren)
        {
            string zombieNote = zombies == 0 ? ""
                : $"; {zombies} of them are zombies that have not been reaped, and a zombie keeps its slot until it is";
            Hold(zombies >= taken ? HoldReason.ZombieLimit : HoldReason.ChildLimit,
                $"{taken} {what}, the limit (--max-children {maxChildren}){zombieNote}: not accepting until one ends; new clients wait in the backlog");
            return false;
        }
        return Stopwatch.GetTimestamp() >= _pausedUntil;
    }

    /// <summary>How long the loop may sleep: <paramref name="longest"/> (-1: no limit), or less while a back-off is running out.</summary>
    public int WaitMilliseconds(int longest)
    {
        long remaining = _pausedUntil - Stopwatch.GetTimestamp();
        if (remaining <= 0)
        {
            return longest;
        }
        int backoff = (int)Math.Clamp(remaining * 1000 / Stopwatch.Frequency + 1, 1, int.MaxValue);
        return longest < 0 ? backoff : Math.Min(backoff, longest);
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
        if (rate is { } limit)
        {
            long now = Stopwatch.GetTimestamp();
            _recent[_next] = now;
            _next = (_next + 1) % _recent.Length;
            // The ring is full of clients accepted within the interval: the next may come in when the oldest is that old.
            long oldest = _recent[_next];
            long until = oldest + (long)(limit.Interval.TotalSeconds * Stopwatch.Frequency);
            if (oldest != 0 && until > now)
            {
                _pausedUntil = Math.Max(_pausedUntil, until);
                Hold(HoldReason.Rate, RateReached(limit));
            }
        }
    }

    /// <summary>The gate was open and no client was waiting: whatever queued up behind the limit has been served.</summary>
    public void BacklogEmpty(int taken)
    {
        if (_holding is HoldReason.ChildLimit or HoldReason.ZombieLimit or HoldReason.Rate)
        {
            Release(BacklogEmptyText(_acceptedWhileHeld, taken, what), _holding == HoldReason.Rate);
        }
    }

    /// <summary>
    /// The lines of a rate episode kept by someone else than a gate: prefork workers share theirs, and the parent
    /// says when one starts (<paramref name="limit"/> reached) and ends, as a gate would.
    /// </summary>
    public static void LogRateHolding(EventLog log, ConnectionRate limit) => LogHolding(log, HoldReason.Rate, RateReached(limit));

    /// <inheritdoc cref="LogRateHolding"/>
    public static void LogRateReleased(EventLog log, int acceptedWhileHeld, int taken, string what) =>
        LogAccepting(log, BacklogEmptyText(acceptedWhileHeld, taken, what), acceptedWhileHeld, rate: true);

    private static string RateReached(ConnectionRate limit) =>
        $"{limit.Count} clients accepted within {limit.Interval.TotalSeconds:0.###} s, the limit (--rate {limit}): not accepting for the rest of the interval; clients wait in the backlog";

    private static string BacklogEmptyText(int acceptedWhileHeld, int taken, string what) =>
        $"backlog empty: the {acceptedWhileHeld} clients accepted since the limit was reached are served; {taken} {what}";

    private void Hold(HoldReason reason, string message)
    {
        if (_holding != reason)
        {
            _holding = reason;
            _acceptedWhileHeld = 0;
            LogHolding(log, reason, message);
        }
    }

    private void Release(string message, bool rate = false)
    {
        _holding = HoldReason.None;
        LogAccepting(log, message, _acceptedWhileHeld, rate);
    }

    private static void LogHolding(EventLog log, HoldReason reason, string message) =>
        log.Error("holding", message, new LogField("reason", reason.ToString()));

    private static void LogAccepting(EventLog log, string message, int acceptedWhileHeld, bool rate) =>
        log.Info("accepting", message, new LogField("accepted_while_held", acceptedWhileHeld), new LogField("rate", rate));
}

/// <summary>At most <see cref="Count"/> new clients within any <see cref="Interval"/>: <c>--rate 10/1</c>.</summary>
public readonly record struct ConnectionRate(int Count, TimeSpan Interval)
{
    public override string ToString() => $"{Count}/{Interval.TotalSeconds.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture)}";
}
