using System.Buffers.Binary;
using System.Diagnostics;
using System.Runtime.Versioning;
using ForkServer.Interop;
using ForkServer.Logging;
using ForkServer.Networking;
using ForkServer.Supervision;

namespace ForkServer.Models.Prefork;

/// <summary>
/// <c>--max-per-ip</c> and <c>--rate</c> for prefork workers, where no one process accepts: what <see cref="SourceLimit"/>
/// and <see cref="AcceptGate"/> keep for the one accepting process lives here in memory the workers share, mapped
/// before they are forked, under one spin lock that a worker holds for a few loads and stores.
/// <list type="bullet">
/// <item>Each worker has a slot, chosen by the parent before the fork: the client it serves, if any. A worker counts
/// the slots holding its new client's source; one too many is refused. 2 × <c>--workers</c> slots, for the old
/// workers that finish their client after SIGHUP beside the new ones.</item>
/// <item>The last N accepts' times are a ring, as the gate's. A worker takes its turn before accept(2), so clients
/// wait in the backlog, and waits (sleeping) until the turn's previous accept is SECONDS old; the turn holds the
/// worker's pid, negated, until accept returns and its time is written: the window counts real accepts.</item>
/// <item>A worker logs nothing here, since a forked child must not allocate: it writes a fixed record to a pipe,
/// and the parent writes the line the gate or the limit would. The parent also clears what a dead worker held: its
/// client, its turn, the lock.</item>
/// </list>
/// </summary>
[SupportedOSPlatform("linux")]
public sealed class WorkerLimits
{
    // The shared longs: a header, the ring, then the slots.
    private const int LockWord = 0;
    private const int NextTurn = 1;
    private const int Holding = 2;
    private const int AcceptedWhileHeld = 3;
    private const int HeaderLongs = 4;

    // A slot: the serving worker's pid (0: none), its client's source, the refusals counted on it, the client's sockaddr.
    private const int Owner = 0;
    private const int SourceHigh = 1;
    private const int SourceLow = 2;
    private const int Refused = 3;
    private const int Peer = 4;
    private const int PeerLongs = 4;
    private const int SlotLongs = Peer + PeerLongs;

    // What a worker tells the parent: kind, a count, a client's sockaddr.
    private const int RecordLength = 8 + PeerLongs * sizeof(long);
    private const byte RefusingRecord = 1;
    private const byte AdmittingRecord = 2;
    private const byte HoldingRecord = 3;
    private const byte AcceptingRecord = 4;

    /// <summary>How long a worker sleeps before it looks again at a turn whose worker has not accepted yet.</summary>
    private const int PendingMilliseconds = 100;

    private readonly int? _maxPerIp;
    private readonly ConnectionRate? _rate;
    private readonly long _intervalTicks;
    private readonly int _ring;
    private readonly int _slots;
    private readonly SharedLongs _shared;
    private readonly EventLog _log;
    private readonly int _eventsFd;
    private readonly int _eventsWriteFd;
    // The parent's: which worker holds each slot.
    private readonly int[] _slotPids;

    private WorkerLimits(int? maxPerIp, ConnectionRate? rate, int slots, EventLog log, bool events)
    {
        _maxPerIp = maxPerIp;
        _rate = rate;
        _log = log;
        _ring = rate?.Count ?? 0;
        _intervalTicks = rate is { } limit ? (long)(limit.Interval.TotalSeconds * Stopwatch.Frequency) : 0;
        _slots = slots;
        _slotPids = new int[slots];
        _shared = new SharedLongs(HeaderLongs + _ring + slots * SlotLongs);
        (_eventsFd, _eventsWriteFd) = events ? Posix.Pipe() : (-1, -1);
    }

    /// <summary>Whether <paramref name="options"/> ask for either limit.</summary>
    public static bool Asked(ServeOptions options) => options.MaxPerIp is not null || options.Rate is not null;

    /// <summary>The limits <paramref name="options"/> ask for, for workers of the number they ask.</summary>
    public static WorkerLimits For(ServeOptions options, EventLog log) => new(options.MaxPerIp, options.Rate, 2 * options.Workers, log, events: true);

    /// <summary>
    /// Limits for the parent's warm-up, which runs the worker's code: one client per source, one per 50 ms (so that the
    /// rehearsal's second turn surely waits), and no records sent. Run <see cref="Rehearse"/> on them afterwards for the paths the warm-up's clients do not take.
    /// </summary>
    public static WorkerLimits ForWarmup(EventLog log) => new(1, new ConnectionRate(1, TimeSpan.FromMilliseconds(50)), 2, log, events: false);

    /// <summary>Readable when a worker has sent a record: poll it beside the signals.</summary>
    public int EventsFd => _eventsFd;

    /// <summary>The parent, before a fork: a slot for the new worker; false when every one is still held.</summary>
    public bool TryTakeSlot(out int slot)
    {
        slot = Array.IndexOf(_slotPids, 0);
        return slot >= 0;
    }

    /// <summary>The parent, after the fork: worker <paramref name="pid"/> has <paramref name="slot"/>.</summary>
    public void Started(int slot, int pid) => _slotPids[slot] = pid;

    /// <summary>The parent, after reaping: frees what each worker no longer in <paramref name="children"/> held.</summary>
    public void Sweep(ChildTable children)
    {
        for (int slot = 0; slot < _slots; slot++)
        {
            int pid = _slotPids[slot];
            if (pid != 0 && !children.Contains(pid))
            {
                _slotPids[slot] = 0;
                // Killed while it held the lock, or while it waited in accept with a turn: neither comes back.
                Interlocked.CompareExchange(ref _shared[LockWord], 0, pid);
                for (int turn = 0; turn < _ring; turn++)
                {
                    Interlocked.CompareExchange(ref _shared[HeaderLongs + turn], 0, -pid);
                }
                Release(slot);
            }
        }
    }

    /// <summary>The parent: writes the lines for the records the workers sent.</summary>
    public void LogEvents()
    {
        Span<byte> record = stackalloc byte[RecordLength];
        while (Posix.Read(_eventsFd, record) == RecordLength)
        {
            int count = BinaryPrimitives.ReadInt32LittleEndian(record[4..]);
            var peer = PeerAddress.Decode(record[8..]);
            switch (record[0])
            {
                case RefusingRecord:
                    SourceLimit.LogRefusing(_log, peer, count, _maxPerIp);
                    break;
                case AdmittingRecord:
                    SourceLimit.LogAdmitting(_log, peer, count, _maxPerIp);
                    break;
                case HoldingRecord:
                    AcceptGate.LogRateHolding(_log, _rate!.Value);
                    break;
                case AcceptingRecord:
                    AcceptGate.LogRateReleased(_log, count, Serving(), "sessions");
                    break;
            }
        }
    }

    /// <summary>
    /// A worker, before accept(2) on <paramref name="listenFd"/>: waits for its turn under <c>--rate</c> and returns it
    /// (-1 without a rate), for <see cref="Accepted"/> or <see cref="Cancel"/>.
    /// </summary>
    public int TakeTurn(int listenFd)
    {
        if (_ring == 0)
        {
            return -1;
        }
        int pid = Posix.GetPid();
        while (true)
        {
            long now = Stopwatch.GetTimestamp();
            Lock(pid);
            int turn = (int)_shared[NextTurn];
            ref long last = ref _shared[HeaderLongs + turn];
            long previous = last;
            if (previous == 0 || (previous > 0 && now - previous >= _intervalTicks))
            {
                last = -pid;
                _shared[NextTurn] = (turn + 1) % _ring;
                Unlock();
                EndEpisodeIfBacklogEmpty(listenFd);
                return turn;
            }
            Unlock();
            int wait;
            if (previous > 0)
            {
                // N clients accepted within the interval: the next may come when the first of them is that old. An
                // episode starts only when a client waits for it: idle workers at the limit hold back nobody.
                wait = (int)((previous + _intervalTicks - now) * 1000 / Stopwatch.Frequency) + 1;
                if (Volatile.Read(ref _shared[Holding]) == 0 && Posix.WaitReadable(listenFd, 0)
                    && Interlocked.CompareExchange(ref _shared[Holding], 1, 0) == 0)
                {
                    Volatile.Write(ref _shared[AcceptedWhileHeld], 0);
                    Send(HoldingRecord, default, 0);
                }
            }
            else
            {
                // The turn's worker waits in accept for a client: the one after it cannot come before that client.
                wait = (int)Math.Min(PendingMilliseconds, _intervalTicks * 1000 / Stopwatch.Frequency + 1);
                EndEpisodeIfBacklogEmpty(listenFd);
            }
            Thread.Sleep(wait);
        }
    }

    /// <summary>A worker: accept(2) gave it a client on its <paramref name="turn"/>; the window counts from now.</summary>
    public void Accepted(int turn)
    {
        if (turn < 0)
        {
            return;
        }
        Volatile.Write(ref _shared[HeaderLongs + turn], Stopwatch.GetTimestamp());
        if (Volatile.Read(ref _shared[Holding]) != 0)
        {
            Interlocked.Increment(ref _shared[AcceptedWhileHeld]);
        }
    }

    /// <summary>A worker: accept(2) failed, the <paramref name="turn"/> was not used.</summary>
    public void Cancel(int turn)
    {
        if (turn >= 0)
        {
            Interlocked.CompareExchange(ref _shared[HeaderLongs + turn], 0, -Posix.GetPid());
        }
    }

    /// <summary>
    /// A worker with <paramref name="slot"/> accepted <paramref name="clientFd"/> from <paramref name="peer"/>: false
    /// when it is one too many from its source, and has been told so and closed.
    /// </summary>
    public bool Admit(int slot, int clientFd, PeerAddress peer)
    {
        int pid = Posix.GetPid();
        var source = peer.Source;
        int at = SlotAt(slot);
        int others = 0;
        int first = -1;
        Lock(pid);
        _shared[at + SourceHigh] = (long)(ulong)(source >> 64);
        _shared[at + SourceLow] = (long)(ulong)source;
        peer.Encode(_shared.Bytes(at + Peer, PeerLongs));
        _shared[at + Owner] = pid;
        for (int other = 0; other < _slots; other++)
        {
            if (other != slot && HoldsSource(SlotAt(other), at))
            {
                others++;
                first = first < 0 ? other : first;
            }
        }
        if (others < (_maxPerIp ?? int.MaxValue))
        {
            Unlock();
            return true;
        }
        // One too many: this slot stays free, and the source's refusals are counted on the first slot serving it.
        _shared[at + Owner] = 0;
        bool firstRefusal = ++_shared[SlotAt(first) + Refused] == 1;
        Unlock();
        if (firstRefusal)
        {
            Send(RefusingRecord, peer, others);
        }
        SourceLimit.Refuse(clientFd);
        return false;
    }

    /// <summary>
    /// The client in <paramref name="slot"/> is no longer served. The refusals its source had meanwhile, counted on any
    /// of its slots, end the episode.
    /// </summary>
    public void Release(int slot)
    {
        int at = SlotAt(slot);
        long refused = 0;
        Lock(Posix.GetPid());
        if (_shared[at + Owner] == 0)
        {
            Unlock();
            return;
        }
        for (int other = 0; other < _slots; other++)
        {
            int its = SlotAt(other);
            if (HoldsSource(its, at))
            {
                refused += _shared[its + Refused];
                _shared[its + Refused] = 0;
            }
        }
        _shared[at + Owner] = 0;
        var peer = PeerAddress.Decode(_shared.Bytes(at + Peer, PeerLongs));
        Unlock();
        if (refused > 0)
        {
            Send(AdmittingRecord, peer, (int)refused);
        }
    }

    /// <summary>
    /// In the parent under the JIT: runs the paths a worker takes that the warm-up's two clients did not (the wait for
    /// a turn, a refusal, the end of both episodes), so that no worker compiles them (Supervision/ForkSafety.cs).
    /// </summary>
    public void Rehearse()
    {
        var peer = PeerAddress.From(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 1));
        Accepted(TakeTurn(-1));
        // The second turn within the interval waits, and a listener with nothing waiting (none) ends the episode.
        Volatile.Write(ref _shared[Holding], 1);
        Cancel(TakeTurn(-1));
        var (served, refused) = Posix.SocketPair();
        Admit(0, served, peer);
        Admit(1, refused, peer);
        Release(0);
        Posix.Close(served);
        Thread.Yield();
    }

    /// <summary>Clients being served now, as the slots say.</summary>
    private int Serving()
    {
        int serving = 0;
        for (int slot = 0; slot < _slots; slot++)
        {
            serving += Volatile.Read(ref _shared[SlotAt(slot) + Owner]) != 0 ? 1 : 0;
        }
        return serving;
    }

    private int SlotAt(int slot) => HeaderLongs + _ring + slot * SlotLongs;

    /// <summary>Whether the slot at <paramref name="at"/> serves the source of the one at <paramref name="like"/>.</summary>
    private bool HoldsSource(int at, int like) =>
        _shared[at + Owner] != 0 && _shared[at + SourceHigh] == _shared[like + SourceHigh] && _shared[at + SourceLow] == _shared[like + SourceLow];

    /// <summary>A rate episode ends when a worker with its turn finds no client waiting: the backlog has been served.</summary>
    private void EndEpisodeIfBacklogEmpty(int listenFd)
    {
        if (Volatile.Read(ref _shared[Holding]) != 0 && !Posix.WaitReadable(listenFd, 0)
            && Interlocked.CompareExchange(ref _shared[Holding], 0, 1) == 1)
        {
            Send(AcceptingRecord, default, (int)Volatile.Read(ref _shared[AcceptedWhileHeld]));
        }
    }

    private void Lock(int pid)
    {
        while (Interlocked.CompareExchange(ref _shared[LockWord], pid, 0) != 0)
        {
            Thread.Yield();
        }
    }

    private void Unlock() => Volatile.Write(ref _shared[LockWord], 0);

    /// <summary>One record to the parent; should the pipe be full, the line is lost, and the worker does not wait.</summary>
    private void Send(byte kind, PeerAddress peer, int count)
    {
        Span<byte> record = stackalloc byte[RecordLength];
        record.Clear();
        record[0] = kind;
        BinaryPrimitives.WriteInt32LittleEndian(record[4..], count);
        peer.Encode(record[8..]);
        Posix.Write(_eventsWriteFd, record);
    }
}
