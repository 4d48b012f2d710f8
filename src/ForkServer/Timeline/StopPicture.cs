using System.Runtime.Versioning;
using System.Text;
using ForkServer.Interop;
using ForkServer.Logging;

namespace ForkServer.Timeline;

/// <summary>
/// <c>serve --timeline FILE</c>: the server keeps its events and draws them when it stops. The file is made as it
/// starts, so a path it cannot write is refused before it serves, not found out at the end of the run.
/// </summary>
public static class StopPicture
{
    /// <summary>
    /// Creates (or empties) the picture's file: null, or why it cannot be written. Called as the user the server serves
    /// as, who will write it at the stop. Not a FIFO: its writer waits for a reader, and the stop would wait with it,
    /// its signals blocked.
    /// </summary>
    [SupportedOSPlatform("linux")]
    public static string? Prepare(string path)
    {
        int fd = Posix.Create(path);
        if (fd < 0)
        {
            return PosixException.Describe("open", -fd);
        }
        bool fifo = Posix.Describe(fd) == DescriptorKind.Pipe;
        Posix.Close(fd);
        return fifo ? "it is a FIFO, which would hold the stop until something reads it; give a file" : null;
    }

    /// <summary>Draws the kept events into <paramref name="path"/>, and says so; false, with the reason logged, if it could not.</summary>
    public static bool Draw(string path, EventLog log)
    {
        var lines = new StringBuilder();
        foreach (byte[] line in log.Kept)
        {
            lines.Append(Encoding.UTF8.GetString(line));
        }
        string? why;
        try
        {
            why = PictureFile.Write(path, SvgPicture.Render(LogReader.Read(new StringReader(lines.ToString()))));
        }
        catch (FormatException e)
        {
            why = e.Message;
        }
        if (why is not null)
        {
            log.Error("timeline-failed", $"forkserver: cannot write the timeline {path}: {why}", new LogField("error", why));
            return false;
        }
        log.Always("timeline", $"timeline of this run written to {path}", new LogField("file", path));
        return true;
    }
}
