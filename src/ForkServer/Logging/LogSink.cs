using System.Runtime.Versioning;
using ForkServer.Interop;
using ForkServer.Processes;

namespace ForkServer.Logging;

/// <summary>
/// Standard output or standard error as the event log writes to it: one write(2) per whole line, and never a wait.
/// A log that cannot take a line (its reader gone, its pipe full because nobody reads, the descriptor closed) loses
/// that line, which is counted: logging never decides whether the server lives or how fast it serves. So that a full
/// pipe or a stopped terminal (Ctrl-S) cannot block the loop, pipes and terminals are opened again through
/// /proc/self/fd as a description of our own, non-blocking (setting O_NONBLOCK on the inherited one would change it
/// for the shell that shares it too); a socket gets MSG_DONTWAIT per call; files never stall. No managed buffer sits
/// in between: one copied into a forked child would be flushed twice, and processes that share a pipe interleave
/// cleanly only line by line (a pipe write of up to PIPE_BUF bytes is atomic). A pipe is asked to hold 1 MiB rather
/// than 64 KiB: a reader that falls behind for a moment (a busy machine) loses nothing, one that stops loses lines.
/// </summary>
[SupportedOSPlatform("linux")]
public sealed class LogSink
{
    private const int PipeSize = 1 << 20;

    private readonly int _fd;
    private readonly bool _isSocket;
    private int _firstFailure;

    private LogSink(int standardFd, int fd, bool isSocket)
    {
        StandardFd = standardFd;
        _fd = fd;
        _isSocket = isSocket;
    }

    /// <summary>1 or 2.</summary>
    public int StandardFd { get; }

    /// <summary>The errno of the first line this sink could not write, 0 while every line got through.</summary>
    public int FirstFailure => _firstFailure;

    public static LogSink Open(int standardFd)
    {
        var kind = OwnDescriptors.Standard(standardFd);
        if (kind is DescriptorKind.Pipe or DescriptorKind.Terminal)
        {
            int own = Posix.OpenForWriting($"/proc/self/fd/{standardFd}", nonBlocking: true);
            if (own >= 0)
            {
                if (kind == DescriptorKind.Pipe)
                {
                    Posix.SetPipeSize(own, PipeSize);
                }
                return new LogSink(standardFd, own, isSocket: false);
            }
        }
        return new LogSink(standardFd, kind == DescriptorKind.Closed ? -1 : standardFd, kind == DescriptorKind.Socket);
    }

    /// <summary>Writes the whole line, or as much as the output takes at once; false (and noted) when it did not take it all.</summary>
    public bool WriteLine(ReadOnlySpan<byte> line)
    {
        while (!line.IsEmpty)
        {
            int n = _fd < 0 ? -Errno.EBADF : _isSocket ? Posix.Send(_fd, line, dontWait: true) : Posix.Write(_fd, line);
            if (n <= 0)
            {
                if (_firstFailure == 0)
                {
                    _firstFailure = n < 0 ? -n : Errno.EIO;
                }
                return false;
            }
            line = line[n..];
        }
        return true;
    }
}
