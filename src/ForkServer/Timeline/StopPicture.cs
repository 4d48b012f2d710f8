using System.Text;
using ForkServer.Logging;

namespace ForkServer.Timeline;

/// <summary><c>serve --timeline FILE</c>: the server keeps its events and draws them when it stops.</summary>
public static class StopPicture
{
    public static void Draw(string path, EventLog log)
    {
        if (log.Quiet)
        {
            log.Error("timeline-failed", $"forkserver: --timeline {path}: not drawn, a --quiet server logs too little (no forks, no reaps) to draw");
            return;
        }
        var lines = new StringBuilder();
        foreach (byte[] line in log.Kept)
        {
            lines.Append(Encoding.UTF8.GetString(line));
        }
        try
        {
            File.WriteAllText(path, SvgPicture.Render(LogReader.Read(new StringReader(lines.ToString()))));
            log.Always("timeline", $"timeline of this run written to {path}", new LogField("file", path));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
            log.Error("timeline-failed", $"forkserver: cannot write the timeline {path}: {e.Message}", new LogField("error", e.Message));
        }
    }
}
