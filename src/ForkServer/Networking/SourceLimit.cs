using System.Runtime.Versioning;
using ForkServer.Interop;
using ForkServer.Logging;

namespace ForkServer.Networking;

/// <summary>
/// Counts the clients being served per source (<see cref="PeerAddress.Source"/>: an IPv4 address, an IPv6 /64) and,
/// with <c>--max-per-ip</c>, refuses the one past the limit: it is told so in one line and closed, and the episode is
/// logged once, when the first client is refused and when that source is below its limit again, not once per client.
/// The count is also what the exec model gives a program as TCPCONNNUM. Every model that accepts calls
/// <see cref="Admit"/> after accept(2) and <see cref="Release"/> when that client's session or child has ended; the
/// calls may come from different threads (the thread model). Only the refusal itself needs Linux: the Windows spawn
/// model counts with <see cref="TryAdmit"/> and tells its socket itself.
/// </summary>
public sealed class SourceLimit(int? maxPerSource, EventLog log)
{
    public static readonly byte[] RefusalLine = "too many connections from your address\n"u8.ToArray();

    private readonly Dictionary<UInt128, Entry> _sources = new(SourceComparer.Instance);
    private readonly Lock _lock = new();

    private struct Entry
    {
        public int Served;
        public int Refused;
    }

    /// <summary>
    /// A client from <paramref name="peer"/> was accepted on <paramref name="clientFd"/>: how many clients of its
    /// source are being served counting it, or 0 when it was one too many (it has been told, and closed).
    /// </summary>
    [SupportedOSPlatform("linux")]
    public int Admit(int clientFd, PeerAddress peer)
    {
        int served = TryAdmit(peer);
        if (served == 0)
        {
            Refuse(clientFd);
        }
        return served;
    }

    /// <summary>
    /// A client from <paramref name="peer"/> was accepted: how many clients of its source are being served counting
    /// it, or 0 when it is one too many, to be told <see cref="RefusalLine"/> and closed.
    /// </summary>
    public int TryAdmit(PeerAddress peer)
    {
        int served;
        bool firstRefusal;
        lock (_lock)
        {
            ref var entry = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(_sources, peer.Source, out _);
            if (entry.Served < (maxPerSource ?? int.MaxValue))
            {
                return ++entry.Served;
            }
            firstRefusal = entry.Refused++ == 0;
            served = entry.Served;
        }
        if (firstRefusal)
        {
            LogRefusing(log, peer, served, maxPerSource);
        }
        return 0;
    }

    /// <summary>Tells a client one too many so, without waiting on it, and closes it.</summary>
    [SupportedOSPlatform("linux")]
    public static void Refuse(int clientFd)
    {
        Posix.Send(clientFd, RefusalLine, dontWait: true);
        Posix.Close(clientFd);
    }

    /// <summary>The episode's first line: <paramref name="peer"/>'s source has <paramref name="served"/> clients, the limit.</summary>
    public static void LogRefusing(EventLog log, PeerAddress peer, int served, int? maxPerSource)
    {
        string source = SourceText(peer);
        log.Error("refusing", $"{source} has {served} clients being served, the limit (--max-per-ip {maxPerSource}): telling its next clients so and closing them",
            new LogField("source", source), new LogField("served", served));
    }

    /// <summary>The episode's last line: <paramref name="peer"/>'s source is below its limit, <paramref name="refused"/> refused meanwhile.</summary>
    public static void LogAdmitting(EventLog log, PeerAddress peer, int refused, int? maxPerSource)
    {
        string source = SourceText(peer);
        log.Info("admitting", $"{source} is below its limit again (--max-per-ip {maxPerSource}); {refused} of its clients were refused meanwhile",
            new LogField("source", source), new LogField("refused", refused));
    }

    /// <summary>A client admitted from <paramref name="peer"/> is no longer being served.</summary>
    public void Release(PeerAddress peer)
    {
        int refused;
        lock (_lock)
        {
            if (!_sources.TryGetValue(peer.Source, out var entry))
            {
                return;
            }
            refused = entry.Refused;
            if (--entry.Served == 0)
            {
                _sources.Remove(peer.Source);
            }
            else
            {
                _sources[peer.Source] = entry with { Refused = 0 };
            }
        }
        if (refused > 0)
        {
            LogAdmitting(log, peer, refused, maxPerSource);
        }
    }

    /// <summary>The source as text: the address, or an IPv6 /64 as its prefix.</summary>
    private static string SourceText(PeerAddress peer)
    {
        Span<byte> text = stackalloc byte[64];
        int length = peer.FormatAddress(text);
        string address = System.Text.Encoding.ASCII.GetString(text[..length]);
        return peer.IsIPv6 && !address.Contains('.') ? $"{address} (its /64)" : address;
    }

    /// <summary>
    /// UInt128's own hash is seeded at random, and under the JIT the seed is read from /dev/urandom on first use: a
    /// descriptor the server would open while serving. A source's bits are hash enough.
    /// </summary>
    private sealed class SourceComparer : IEqualityComparer<UInt128>
    {
        public static readonly SourceComparer Instance = new();

        public bool Equals(UInt128 x, UInt128 y) => x == y;

        public int GetHashCode(UInt128 source) => ((ulong)source ^ (ulong)(source >> 64)).GetHashCode();
    }
}
