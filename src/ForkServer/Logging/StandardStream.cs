using ForkServer.Interop;

namespace ForkServer.Logging;

/// <summary>
/// Writes whole lines straight to file descriptor 1 or 2 with one write(2) each. No managed buffer sits in
/// between: a buffer copied into a forked child would be flushed twice, and processes that share a terminal, pipe
/// or file interleave cleanly only line by line (a pipe write of up to PIPE_BUF bytes is atomic).
/// </summary>
public sealed class StandardStream
{
    private readonly int _fd;
    private readonly Stream? _portable;

    private StandardStream(int fd, Stream? portable)
    {
        _fd = fd;
        _portable = portable;
    }

    public static StandardStream Out { get; } = Create(1);

    public static StandardStream Error { get; } = Create(2);

    public void WriteLine(ReadOnlySpan<byte> line)
    {
        if (_portable is null)
        {
            Posix.Write(_fd, line);
            return;
        }
        _portable.Write(line);
        _portable.Flush();
    }

    // Where there is no libc (Windows), the console streams are unbuffered too.
    private static StandardStream Create(int fd) =>
        OperatingSystem.IsWindows()
            ? new StandardStream(fd, fd == 1 ? Console.OpenStandardOutput() : Console.OpenStandardError())
            : new StandardStream(fd, null);
}
