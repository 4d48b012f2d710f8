using System.Net.Sockets;
using ForkServer.Interop;
using ForkServer.Logging;

namespace ForkServer.Server;

/// <summary>
/// Accept and graceful stop for the models whose threads block in accept(2) and recv(2) (iterative, thread). A
/// blocked call never looks at the signal self-pipe, so a watcher thread waits on it instead and, on SIGTERM or
/// SIGINT, shuts down the listening socket and every client still open. shutdown(2) wakes a thread blocked in
/// accept (EINVAL) or recv (0 bytes, end of file), so each loop ends as if its client had left.
/// </summary>
public sealed class StopOnSignal
{
    private readonly Socket _listener;
    private readonly EventLog _log;
    private readonly SignalWatcher _signals = new(Signals.SIGTERM, Signals.SIGINT);
    private readonly HashSet<Socket> _clients = [];
    private readonly Lock _lock = new();
    private int _stopSignal;

    public StopOnSignal(Socket listener, EventLog log)
    {
        _listener = listener;
        _log = log;
        new Thread(WatchSignals) { IsBackground = true, Name = "stop-on-signal" }.Start();
    }

    /// <summary>SIGTERM or SIGINT once one has arrived; 0 while the server should keep going.</summary>
    public int StopSignal => Volatile.Read(ref _stopSignal);

    /// <summary>How many clients are being served now.</summary>
    public int Open
    {
        get
        {
            lock (_lock)
            {
                return _clients.Count;
            }
        }
    }

    /// <summary>The next client, blocking and registered so that a stop can end its session; null once stopping.</summary>
    public Socket? Accept()
    {
        while (true)
        {
            Socket client;
            try
            {
                client = _listener.Accept();
            }
            catch (SocketException) when (StopSignal != 0)
            {
                return null;
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionAborted)
            {
                // The client gave up before we took it.
                continue;
            }
            client.Blocking = true;
            lock (_lock)
            {
                if (_stopSignal == 0)
                {
                    _clients.Add(client);
                    return client;
                }
            }
            client.Dispose();
            return null;
        }
    }

    /// <summary>Forgets a client whose session is over and closes it.</summary>
    public void Release(Socket client)
    {
        lock (_lock)
        {
            _clients.Remove(client);
        }
        client.Dispose();
    }

    private void WatchSignals()
    {
        Span<bool> woken = stackalloc bool[1];
        while (true)
        {
            Posix.PollReadable([_signals.WakeFd], woken, -1);
            var pending = _signals.TakePending();
            int signal = pending.Contains(Signals.SIGTERM) ? Signals.SIGTERM : pending.Contains(Signals.SIGINT) ? Signals.SIGINT : 0;
            if (signal == 0)
            {
                continue;
            }
            lock (_lock)
            {
                _stopSignal = signal;
                _log.Info("stopping", $"{Signals.Name(signal)} received: stopped accepting; shutting down {_clients.Count} open connections",
                    new LogField("signal", Signals.Name(signal)), new LogField("running", _clients.Count));
                Shutdown(_listener);
                foreach (var client in _clients)
                {
                    Shutdown(client);
                }
            }
            return;
        }
    }

    private static void Shutdown(Socket socket)
    {
        try
        {
            socket.Shutdown(SocketShutdown.Both);
        }
        catch (SocketException)
        {
            // Already closed by its peer: nothing is blocked on it.
        }
    }
}
