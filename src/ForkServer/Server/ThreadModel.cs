using System.Diagnostics;
using System.Net.Sockets;
using ForkServer.Logging;
using ForkServer.Protocols;

namespace ForkServer.Server;

/// <summary>
/// The tutorial's threaded server: the main thread accepts, and each client gets a thread of its own (a real
/// thread, not the pool) that runs the blocking session. Threads share the process, so there is nothing to fork
/// and nothing to reap; a thread whose client leaves simply returns.
/// </summary>
public sealed class ThreadModel(ServeOptions options, Socket listener, SessionFactory sessions, EventLog log)
{
    public int Run()
    {
        var stop = new StopOnSignal(listener, log);
        string address = Listener.Format(listener.LocalEndPoint);
        log.Always("listening", $"listening on {address} (model thread, a thread per client)",
            new LogField("address", address), new LogField("model", "thread"));
        var threads = new List<Thread>();
        long served = 0;
        while (stop.Accept() is { } client)
        {
            string peer = Listener.Format(client.RemoteEndPoint);
            var thread = new Thread(() =>
            {
                ClientSession.Serve(client, peer, sessions, log);
                stop.Release(client);
            })
            { IsBackground = true, Name = $"client {peer}" };
            threads.RemoveAll(t => !t.IsAlive);
            threads.Add(thread);
            thread.Start();
            served++;
            log.Info("thread-started", $"accepted {peer}; serving it on a new thread ({stop.Open} clients open)",
                new LogField("peer", peer), new LogField("running", stop.Open));
        }
        listener.Dispose();
        // The stop shut every connection down, so each thread is on its way out; wait for them, within the grace time.
        var clock = Stopwatch.StartNew();
        int left = threads.Count(t => !t.Join(Max(options.Grace - clock.Elapsed, TimeSpan.Zero)));
        log.Info("stopped", $"stopped: served {served} clients; {left} threads still running at exit",
            new LogField("served", served), new LogField("left", left));
        return ExitCodes.Ok;
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;
}
