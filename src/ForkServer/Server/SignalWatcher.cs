using ForkServer.Interop;
using Mono.Unix;
using Mono.Unix.Native;

namespace ForkServer.Server;

/// <summary>
/// Turns asynchronous signals into something a poll(2) loop can wait on: the self-pipe trick.
/// Mono.Posix installs the C handler (it only counts the signal and writes to its own pipe, so it is
/// async-signal-safe); one dedicated thread blocks in <see cref="UnixSignal.WaitAny(UnixSignal[])"/>, records which
/// signals arrived and writes a byte into <see cref="WakeFd"/>'s pipe. That thread spends its life blocked in a
/// system call, where it holds no runtime lock, so the main thread may fork at any moment.
/// Signals of one kind merge while pending: treat each wake-up as a hint and look at the real state (waitpid).
/// </summary>
public sealed class SignalWatcher
{
    private readonly UnixSignal[] _signals;
    private readonly int[] _numbers;
    private readonly int _pipeRead;
    private readonly int _pipeWrite;
    private long _pending;

    public SignalWatcher(params int[] signals)
    {
        _numbers = signals;
        _signals = [.. signals.Select(s => new UnixSignal(NativeConvert.ToSignum(s)))];
        (_pipeRead, _pipeWrite) = Posix.Pipe();
        new Thread(WatchLoop) { IsBackground = true, Name = "signal-watcher" }.Start();
    }

    /// <summary>The read end of the self-pipe: readable whenever a watched signal arrived since the last <see cref="TakePending"/>.</summary>
    public int WakeFd => _pipeRead;

    /// <summary>The signals that arrived since the last call, as a set of signal numbers; empties the pipe.</summary>
    public PendingSignals TakePending()
    {
        Span<byte> drain = stackalloc byte[64];
        while (Posix.Read(_pipeRead, drain) > 0)
        {
        }
        return new PendingSignals(Interlocked.Exchange(ref _pending, 0));
    }

    /// <summary>
    /// In a forked child: put the watched signals back to SIG_DFL and close the pipe. The inherited handlers would
    /// otherwise write into the pipe the parent shares, and a SIGTERM meant for one child would stop the server.
    /// </summary>
    public void DetachInChild()
    {
        foreach (int signal in _numbers)
        {
            Posix.SetSignalDisposition(signal, SignalDisposition.Default);
        }
        Posix.Close(_pipeRead);
        Posix.Close(_pipeWrite);
    }

    private void WatchLoop()
    {
        ReadOnlySpan<byte> wake = [1];
        while (true)
        {
            int index = UnixSignal.WaitAny(_signals, -1);
            if (index < 0 || index >= _signals.Length)
            {
                // WaitAny makes a pipe per call and fails when the descriptor table is full; the loop's sweep
                // covers for the missed wake-ups meanwhile, and this thread must not spin.
                Thread.Sleep(100);
                continue;
            }
            _signals[index].Reset();
            Interlocked.Or(ref _pending, 1L << _numbers[index]);
            // A full pipe already holds a wake-up the loop has not read yet; one more byte adds nothing.
            Posix.Write(_pipeWrite, wake);
        }
    }
}
