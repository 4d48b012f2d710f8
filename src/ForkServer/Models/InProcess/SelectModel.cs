using System.Diagnostics;
using System.Runtime.Versioning;
using ForkServer.Interop;
using ForkServer.Logging;
using ForkServer.Networking;
using ForkServer.Protocols;
using ForkServer.Sessions;
using ForkServer.Supervision;

namespace ForkServer.Models.InProcess;

/// <summary>
/// The tutorial's select server: ONE thread waits in poll(2) on the listening socket, every client, the signal funnel
/// and standard input, and handles whatever is ready, one event at a time. Unlike the tutorial's, it never blocks on
/// one client: every socket is non-blocking, a reply the client does not take at once waits in that client's own
/// buffer (at most one reply: the client is not read again until it is sent, so the buffer is bounded by
/// <c>--max-message</c>), and a client that takes nothing for the idle timeout is closed. A client silent for the idle
/// timeout, or whose session reaches <c>--session-timeout</c>, is told so and closed.
/// </summary>
[SupportedOSPlatform("linux")]
public sealed class SelectModel(ServeOptions options, int listenFd, SessionFactory sessions, EventLog log)
{
    // The watched descriptors, in this order: listener, funnel, standard input, clients.
    private const int FirstClient = 3;

    private readonly SessionHost _host = new(log, options.MaxPerIp);
    private readonly List<Client> _clients = [];
    private readonly byte[] _buffer = new byte[sessions.MaxMessage];
    private PollEntry[] _wait = new PollEntry[FirstClient + 16];
    private bool _watchInput;
    private string? _inputStop;

    public int Run(SignalFunnel funnel)
    {
        var gate = new AcceptGate(options.MaxChildren, "sessions", log, options.Rate);
        (_watchInput, string input) = StandardInput.Decide();
        string address = Listener.Where(listenFd);
        log.Listening(address, "model select, one thread polls every client", input,
            new LogField("model", "select"), new LogField("stdin_stops", _watchInput));
        while (!_host.Stop.Requested && _inputStop is null)
        {
            bool accepting = gate.IsOpen(_clients.Count);
            int count = Arrange(accepting ? listenFd : -1, funnel.Fd);
            Posix.Poll(_wait.AsSpan(0, count), gate.WaitMilliseconds(MillisecondsToFirstDeadline()));
            if (_wait[1].CanRead)
            {
                ServerSignals.Dispatch(funnel, _host, log);
            }
            if (_wait[2].CanRead)
            {
                ReadStandardInput();
            }
            // Backwards, so that dropping a client does not shift the ones still to look at.
            for (int i = _clients.Count - 1; i >= 0; i--)
            {
                var entry = _wait[FirstClient + i];
                var client = _clients[i];
                if (client.HasPending ? entry.CanWrite : entry.CanRead)
                {
                    if (client.HasPending)
                    {
                        Flush(client);
                    }
                    else
                    {
                        ReceiveFrom(client);
                    }
                }
            }
            ExpireDeadlines();
            if (accepting && !_host.Stop.Requested && _inputStop is null)
            {
                if (_wait[0].CanRead)
                {
                    Accept(gate);
                }
                else
                {
                    gate.BacklogEmpty(_clients.Count);
                }
            }
        }
        Readiness.Stopping(log);
        Posix.Close(listenFd);
        int open = _host.EndAll(options.Grace, _inputStop);
        for (int i = _clients.Count - 1; i >= 0; i--)
        {
            Close(_clients[i], "the server is stopping");
        }
        _host.Stopped(open, left: 0);
        return Cli.ExitCodes.Ok;
    }

    /// <summary>Fills the poll array for this turn, growing it when there are more clients; returns how many entries it holds.</summary>
    private int Arrange(int listener, int funnel)
    {
        int count = FirstClient + _clients.Count;
        if (_wait.Length < count)
        {
            Array.Resize(ref _wait, count * 2);
        }
        _wait[0] = new PollEntry(listener, PollEntry.Readable);
        _wait[1] = new PollEntry(funnel, PollEntry.Readable);
        _wait[2] = new PollEntry(_watchInput ? StandardInput.Fd : -1, PollEntry.Readable);
        for (int i = 0; i < _clients.Count; i++)
        {
            // A client with a reply waiting is not read again until it has taken it: that is the bound on its buffer.
            _wait[FirstClient + i] = new PollEntry(_clients[i].Fd, _clients[i].HasPending ? PollEntry.Writable : PollEntry.Readable);
        }
        return count;
    }

    private void ReadStandardInput()
    {
        int n = Posix.Read(StandardInput.Fd, _buffer);
        if (n == 0 || (n < 0 && n != -Errno.EAGAIN))
        {
            _inputStop = "the end of standard input";
        }
        else if (n > 0 && _buffer.AsSpan(0, n).Contains((byte)'\n'))
        {
            _inputStop = "a line on standard input";
        }
    }

    private void Accept(AcceptGate gate)
    {
        int fd = _host.Accept(listenFd, gate, nonBlocking: true, out var peer);
        if (fd < 0)
        {
            return;
        }
        var client = new Client(fd, peer, sessions.Create(), Stopwatch.GetTimestamp());
        _clients.Add(client);
        log.Info("accepted", $"accepted {peer} ({_clients.Count} clients open, all on this one thread)",
            new LogField("peer", peer.ToString()), new LogField("running", _clients.Count));
        Answer(client, client.Session.Open());
    }

    private void ReceiveFrom(Client client)
    {
        int received = Posix.Receive(client.Fd, _buffer);
        if (received == -Errno.EAGAIN)
        {
            return;
        }
        if (received <= 0)
        {
            End(client, received == 0 ? SessionEnd.ClientClosed : SessionEnd.ClientVanished);
            return;
        }
        client.LastHeard = Stopwatch.GetTimestamp();
        Answer(client, client.Session.Receive(_buffer.AsSpan(0, received)));
    }

    /// <summary>Sends a reply as far as the client takes it now; the rest waits in the client's buffer.</summary>
    private void Answer(Client client, Reply reply)
    {
        var bytes = reply.Bytes.Span;
        int sent = bytes.IsEmpty ? 0 : Posix.Send(client.Fd, bytes, dontWait: true);
        if (sent < 0 && sent != -Errno.EAGAIN)
        {
            End(client, SessionEnd.ClientVanished);
            return;
        }
        client.Keep(bytes[Math.Max(sent, 0)..], reply.Close);
        if (!client.HasPending && reply.Close)
        {
            End(client, SessionEnd.ServerClosed);
        }
    }

    private void Flush(Client client)
    {
        int sent = Posix.Send(client.Fd, client.PendingBytes, dontWait: true);
        if (sent == -Errno.EAGAIN)
        {
            return;
        }
        if (sent < 0)
        {
            End(client, SessionEnd.ClientVanished);
            return;
        }
        client.Took(sent);
        if (!client.HasPending && client.CloseWhenSent)
        {
            End(client, SessionEnd.ServerClosed);
        }
    }

    /// <summary>Closes the clients whose idle, stalled-reply or session deadline has passed, telling those that still read why.</summary>
    private void ExpireDeadlines()
    {
        long now = Stopwatch.GetTimestamp();
        for (int i = _clients.Count - 1; i >= 0; i--)
        {
            var client = _clients[i];
            if (now >= sessions.SessionDeadline(client.Started))
            {
                Posix.Send(client.Fd, sessions.SessionNotice, dontWait: true);
                End(client, SessionEnd.SessionTimeout);
            }
            else if (now >= client.IdleDeadline(sessions.IdleTimestamps))
            {
                if (client.HasPending)
                {
                    End(client, SessionEnd.ClientNotReading);
                }
                else
                {
                    Posix.Send(client.Fd, sessions.IdleNotice, dontWait: true);
                    End(client, SessionEnd.IdleTimeout);
                }
            }
        }
    }

    /// <summary>How long poll may sleep before the nearest client deadline; -1 (no limit) with no clients.</summary>
    private int MillisecondsToFirstDeadline()
    {
        if (_clients.Count == 0)
        {
            return -1;
        }
        long now = Stopwatch.GetTimestamp();
        long nearest = long.MaxValue;
        foreach (var client in _clients)
        {
            long deadline = Math.Min(client.IdleDeadline(sessions.IdleTimestamps), sessions.SessionDeadline(client.Started));
            nearest = Math.Min(nearest, deadline);
        }
        return (int)Math.Clamp((nearest - now) * 1000 / Stopwatch.Frequency + 1, 0, int.MaxValue);
    }

    private void End(Client client, SessionEnd end) => Close(client, $"session over ({SessionEnds.Describe(end, sessions)})");

    private void Close(Client client, string why)
    {
        _clients.Remove(client);
        _host.Closed(client.Fd);
        Posix.Close(client.Fd);
        log.Info("closed", $"{client.Peer}: {why}", new LogField("peer", client.Peer.ToString()));
    }

    /// <summary>One client of the loop: its socket, its session, the reply it has not taken yet, and its clocks.</summary>
    private sealed class Client(int fd, PeerAddress peer, ISession session, long started)
    {
        private byte[] _pending = [];
        private int _start;
        private int _end;

        public int Fd { get; } = fd;

        public PeerAddress Peer { get; } = peer;

        public ISession Session { get; } = session;

        public long Started { get; } = started;

        public long LastHeard { get; set; } = started;

        /// <summary>When it last took bytes of a waiting reply.</summary>
        public long LastProgress { get; private set; } = started;

        public bool CloseWhenSent { get; private set; }

        public bool HasPending => _end > _start;

        /// <summary>
        /// When it has been idle too long: it has sent nothing, or taken nothing of a waiting reply, for
        /// <paramref name="idleTimestamps"/>.
        /// </summary>
        public long IdleDeadline(long idleTimestamps) => (HasPending ? LastProgress : LastHeard) + idleTimestamps;

        public ReadOnlySpan<byte> PendingBytes => _pending.AsSpan(_start, _end - _start);

        /// <summary>Keeps what the client did not take of a reply (at most one reply: it is not read meanwhile).</summary>
        public void Keep(ReadOnlySpan<byte> rest, bool closeAfter)
        {
            CloseWhenSent = closeAfter;
            if (rest.IsEmpty)
            {
                return;
            }
            if (_pending.Length < rest.Length)
            {
                _pending = new byte[rest.Length];
            }
            rest.CopyTo(_pending);
            _start = 0;
            _end = rest.Length;
            LastProgress = Stopwatch.GetTimestamp();
        }

        public void Took(int bytes)
        {
            _start += bytes;
            LastProgress = Stopwatch.GetTimestamp();
        }
    }
}
