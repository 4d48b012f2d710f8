using System.Diagnostics;
using System.Net.Sockets;
using ForkServer.Logging;
using ForkServer.Protocols;

namespace ForkServer.Server;

/// <summary>
/// The tutorial's threaded server: the main thread accepts, and each client gets a thread of its own (a real
/// thread, not the pool) that runs the blocking session. Threads share the process, so there is nothing to fork
/// and nothing to reap; a thread whose client leaves simply returns. At most <c>--max-children</c> threads serve at
/// once; further clients wait in the listen backlog until a thread ends.
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
        var slots = new SemaphoreSlim(options.MaxChildren);
        long served = 0;
        // On a stop, every session ends and gives its slot back, so a wait for a slot always ends too.
        while (true)
        {
            TakeSlot(slots);
            if (stop.Accept() is not { } client)
            {
                break;
            }
            string peer = Listener.Format(client.RemoteEndPoint);
            var thread = new Thread(() =>
            {
                ClientSession.Serve(client, peer, sessions, log);
                stop.Release(client);
                slots.Release();
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

    private void TakeSlot(SemaphoreSlim slots)
    {
        if (!slots.Wait(0))
        {
            log.Info("at-limit", $"{options.MaxChildren} threads serving, the limit (--max-children): new clients wait in the backlog until one ends",
                new LogField("limit", options.MaxChildren));
            slots.Wait();
        }
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;
}
