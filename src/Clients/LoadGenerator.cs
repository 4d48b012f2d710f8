using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace ForkServer.Clients;

/// <summary>How hard and how long <c>forkclient bench</c> loads a server.</summary>
public sealed record BenchPlan(IPEndPoint Server, int Connections, int Concurrency, BenchExchange Exchange, TimeSpan Hold, TimeSpan Timeout);

/// <summary>What a benchmark run measured. <c>Latencies</c> holds one Stopwatch tick count per connection that succeeded.</summary>
public sealed record BenchResult(int Ok, int Errors, TimeSpan Elapsed, long[] Latencies, IReadOnlyDictionary<string, int> ErrorKinds);

/// <summary>
/// The client threads of <c>forkclient bench</c>: blocking sockets, one dedicated thread per concurrent client, no
/// async machinery, so that the client costs little per connection and the server is what gets measured.
/// </summary>
public sealed class LoadGenerator(BenchPlan plan)
{
    private readonly long[] _latencies = new long[plan.Connections];
    private readonly ConcurrentDictionary<string, int> _errorKinds = new();
    private readonly ManualResetEventSlim _go = new();
    private int _next;
    private int _done;
    private int _errors;

    public BenchResult Run(bool showProgress)
    {
        int threadCount = Math.Min(plan.Concurrency, plan.Connections);
        using var finished = new CountdownEvent(threadCount);
        for (int i = 0; i < threadCount; i++)
        {
            // Small stacks: a thousand clients are a thousand threads, and each only loops over a few calls.
            new Thread(() => { ClientLoop(); finished.Signal(); }, maxStackSize: 256 * 1024) { IsBackground = true }.Start();
        }
        var clock = Stopwatch.StartNew();
        _go.Set();
        while (!finished.Wait(TimeSpan.FromMilliseconds(250)))
        {
            if (showProgress)
            {
                Console.Error.Write($"\r{Volatile.Read(ref _done)}/{plan.Connections} connections, {Volatile.Read(ref _errors)} errors, {Volatile.Read(ref _done) / clock.Elapsed.TotalSeconds:0} conn/s   ");
            }
        }
        var elapsed = clock.Elapsed;
        if (showProgress)
        {
            Console.Error.Write("\r\e[K");
        }
        long[] ok = [.. _latencies.Where(t => t > 0)];
        return new BenchResult(ok.Length, _errors, elapsed, ok, _errorKinds);
    }

    private void ClientLoop()
    {
        var buffer = new byte[plan.Exchange.LongestReply];
        _go.Wait();
        while (true)
        {
            int index = Interlocked.Increment(ref _next) - 1;
            if (index >= plan.Connections)
            {
                return;
            }
            string? error = Connect(buffer, out long ticks);
            if (error is null)
            {
                _latencies[index] = Math.Max(ticks, 1);
            }
            else
            {
                Interlocked.Increment(ref _errors);
                _errorKinds.AddOrUpdate(error, 1, (_, n) => n + 1);
            }
            Interlocked.Increment(ref _done);
        }
    }

    /// <summary>One whole connection; returns what went wrong, or null, and the ticks from connect to the last reply checked.</summary>
    private string? Connect(byte[] buffer, out long ticks)
    {
        long start = Stopwatch.GetTimestamp();
        ticks = 0;
        int timeoutMs = (int)plan.Timeout.TotalMilliseconds;
        using var socket = new Socket(plan.Server.AddressFamily, SocketType.Stream, ProtocolType.Tcp)
        {
            NoDelay = true,
            ReceiveTimeout = timeoutMs,
            SendTimeout = timeoutMs,
        };
        string step = "connect";
        try
        {
            socket.Connect(plan.Server);
            foreach (var exchange in plan.Exchange.Steps)
            {
                step = "send";
                SendAll(socket, exchange.Request);
                step = "receive";
                if (ReceiveExactly(socket, buffer.AsSpan(0, exchange.Reply.Length)) is { } received)
                {
                    return $"server closed after {received} of {exchange.Reply.Length} reply bytes";
                }
                if (!buffer.AsSpan(0, exchange.Reply.Length).SequenceEqual(exchange.Reply))
                {
                    return "reply differs from the expected bytes";
                }
            }
            if (plan.Exchange.ServerCloses && socket.Receive(buffer, 0, 1, SocketFlags.None) != 0)
            {
                return "server sent more than expected";
            }
            ticks = Stopwatch.GetTimestamp() - start;
            if (plan.Hold > TimeSpan.Zero)
            {
                Thread.Sleep(plan.Hold);
            }
            return null;
        }
        catch (SocketException e)
        {
            return $"{step}: {e.SocketErrorCode}";
        }
    }

    private static void SendAll(Socket socket, ReadOnlySpan<byte> bytes)
    {
        while (!bytes.IsEmpty)
        {
            bytes = bytes[socket.Send(bytes)..];
        }
    }

    /// <summary>Fills <paramref name="into"/>; null when it did, else how many bytes came before the server closed.</summary>
    private static int? ReceiveExactly(Socket socket, Span<byte> into)
    {
        int got = 0;
        while (got < into.Length)
        {
            int n = socket.Receive(into[got..]);
            if (n == 0)
            {
                return got;
            }
            got += n;
        }
        return null;
    }
}
