using System.Diagnostics;
using System.Net.Sockets;
using ForkServer.Interop;
using ForkServer.Logging;
using ForkServer.Protocols;

namespace ForkServer.Server;

/// <summary>
/// The tutorial's select server: ONE thread waits in poll(2) on the listening socket, every client, the signal
/// self-pipe and standard input, and handles whatever is ready, one event at a time: a new client is accepted, a
/// readable client gets one recv and its session's reply, a line typed on standard input stops the server. No
/// client ever has a thread of its own; a client silent for the idle timeout is told so and dropped. Replies are
/// sent with blocking send(2), as the tutorial does: a client that does not read its replies would hold the loop up
/// once its socket buffer is full.
/// </summary>
public sealed class SelectModel(Socket listener, SessionFactory sessions, EventLog log)
{
    private const int StandardInput = 0;

    private readonly List<Client> _clients = [];
    private readonly byte[] _buffer = new byte[sessions.MaxMessage];
    private bool _watchStandardInput = true;
    private string? _stopReason;
    private long _served;

    private sealed record Client(Socket Socket, string Peer, ISession Session)
    {
        public long LastHeard { get; set; } = Stopwatch.GetTimestamp();
    }

    public int Run()
    {
        var signals = new SignalWatcher(Signals.SIGTERM, Signals.SIGINT);
        string address = Listener.Format(listener.LocalEndPoint);
        log.Always("listening", $"listening on {address} (model select, one thread polls every client); type a line here to stop",
            new LogField("address", address), new LogField("model", "select"));
        while (_stopReason is null)
        {
            // The watched descriptors, in this order: listener, self-pipe, standard input (while open), clients.
            int fixedCount = _watchStandardInput ? 3 : 2;
            var fds = new int[fixedCount + _clients.Count];
            fds[0] = (int)listener.Handle;
            fds[1] = signals.WakeFd;
            if (_watchStandardInput)
            {
                fds[2] = StandardInput;
            }
            for (int i = 0; i < _clients.Count; i++)
            {
                fds[fixedCount + i] = (int)_clients[i].Socket.Handle;
            }
            var readable = new bool[fds.Length];
            Posix.PollReadable(fds, readable, MillisecondsToFirstIdleDeadline());

            if (readable[1])
            {
                var pending = signals.TakePending();
                if (pending.Contains(Signals.SIGTERM) || pending.Contains(Signals.SIGINT))
                {
                    _stopReason = Signals.Name(pending.Contains(Signals.SIGTERM) ? Signals.SIGTERM : Signals.SIGINT) + " received";
                }
            }
            if (_watchStandardInput && readable[2])
            {
                ReadStandardInput();
            }
            // Backwards, so that dropping a client does not shift the ones still to look at.
            for (int i = _clients.Count - 1; i >= 0; i--)
            {
                if (readable[fixedCount + i])
                {
                    ReceiveFrom(_clients[i]);
                }
            }
            DropIdle();
            if (readable[0] && _stopReason is null)
            {
                Accept();
            }
        }
        log.Info("stopping", $"{_stopReason}: closing {_clients.Count} open connections",
            new LogField("reason", _stopReason), new LogField("running", _clients.Count));
        foreach (var client in _clients)
        {
            client.Socket.Dispose();
        }
        listener.Dispose();
        log.Info("stopped", $"stopped: served {_served} clients", new LogField("served", _served));
        return ExitCodes.Ok;
    }

    private void ReadStandardInput()
    {
        int n;
        try
        {
            n = Posix.Read(StandardInput, _buffer);
        }
        catch (PosixException)
        {
            n = 0;
        }
        if (n <= 0)
        {
            // End of file (stdin is /dev/null or a closed pipe): nobody can type a line any more; keep serving.
            _watchStandardInput = false;
        }
        else if (_buffer.AsSpan(0, n).Contains((byte)'\n'))
        {
            _stopReason = "a line on standard input";
        }
    }

    private void Accept()
    {
        if (Listener.AcceptReady(listener) is not { } socket)
        {
            return;
        }
        socket.Blocking = true;
        var client = new Client(socket, Listener.Format(socket.RemoteEndPoint), sessions.Create());
        _served++;
        log.Info("accepted", $"accepted {client.Peer} ({_clients.Count + 1} clients open, all on this one thread)",
            new LogField("peer", client.Peer), new LogField("running", _clients.Count + 1));
        if (Send(client, client.Session.Open()))
        {
            _clients.Add(client);
        }
        else
        {
            Drop(client, "session over (server closed)");
        }
    }

    private void ReceiveFrom(Client client)
    {
        int received;
        try
        {
            received = client.Socket.Receive(_buffer);
        }
        catch (SocketException e)
        {
            Drop(client, $"went away mid-session ({e.SocketErrorCode})");
            return;
        }
        client.LastHeard = Stopwatch.GetTimestamp();
        if (received == 0)
        {
            Drop(client, "session over (client closed)");
        }
        else if (!Send(client, client.Session.Receive(_buffer.AsSpan(0, received))))
        {
            Drop(client, "session over (server closed)");
        }
    }

    /// <summary>How long poll may sleep before the quietest client reaches the idle timeout; -1 (forever) with no clients.</summary>
    private int MillisecondsToFirstIdleDeadline()
    {
        if (_clients.Count == 0)
        {
            return -1;
        }
        var quietest = Stopwatch.GetElapsedTime(_clients.Min(c => c.LastHeard));
        return (int)Math.Clamp((sessions.IdleTimeout - quietest).TotalMilliseconds + 1, 0, int.MaxValue);
    }

    private void DropIdle()
    {
        foreach (var client in _clients.Where(c => Stopwatch.GetElapsedTime(c.LastHeard) >= sessions.IdleTimeout).ToList())
        {
            Send(client, new Reply(sessions.IdleNotice, Close: true));
            Drop(client, $"session over (idle for {sessions.IdleTimeout.TotalSeconds:0.###} s)");
        }
    }

    /// <summary>Sends a reply; false when the session is over (the reply said so, or the client is gone).</summary>
    private static bool Send(Client client, Reply reply)
    {
        var bytes = reply.Bytes.Span;
        try
        {
            while (!bytes.IsEmpty)
            {
                bytes = bytes[client.Socket.Send(bytes)..];
            }
        }
        catch (SocketException)
        {
            return false;
        }
        return !reply.Close;
    }

    /// <summary>Forgets a client (if it was listed) and closes it.</summary>
    private void Drop(Client client, string why)
    {
        _clients.Remove(client);
        client.Socket.Dispose();
        log.Info("closed", $"{client.Peer}: {why}", new LogField("peer", client.Peer));
    }
}
