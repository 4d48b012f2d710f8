using System.Text;
using System.Text.Json;

namespace ForkServer.Timeline;

/// <summary>
/// Reads a server's <c>--log json</c> event log into <see cref="Lives"/>. Only the server's own events make lanes
/// (the pid that printed "listening"): a child's events are its own business. Lines that are not JSON events
/// (text lines, a client's output mixed in) are skipped.
/// </summary>
public static class LogReader
{
    /// <summary>The marks on the time axis: the server's events that are not about one child.</summary>
    private static readonly Dictionary<string, string> MarkNames = new()
    {
        ["listening"] = "listening",
        ["status"] = "SIGUSR1",
        ["reloading"] = "SIGHUP",
        ["signal-ignored"] = "signal",
        ["stopping"] = "stop",
        ["killing"] = "SIGKILL",
        ["stopped"] = "stopped",
        ["fork-failed"] = "fork failed",
    };

    /// <summary>
    /// The longest line read, in characters: far above the longest the server writes (a file name of PATH_MAX, 4096
    /// bytes, every byte escaped as \u00XX, twice, is under 50 K), and a bound on memory for input that is no log at
    /// all (/dev/zero is one endless line).
    /// </summary>
    public const int MaxLine = 1 << 20;

    /// <exception cref="FormatException">No JSON event at all, a line longer than <see cref="MaxLine"/> or with a NUL
    /// byte (which no text log has): the input is not a <c>--log json</c> log.</exception>
    public static Lives Read(TextReader input)
    {
        var events = new List<JsonElement>();
        foreach (string line in Lines(input))
        {
            if (line.TrimStart().StartsWith('{') && Parse(line) is { } e && e.TryGetProperty("event", out _) && e.TryGetProperty("time", out _))
            {
                events.Add(e);
            }
        }
        if (events.Count == 0)
        {
            throw new FormatException("no JSON event in it: make the log with forkserver --log json");
        }
        var origin = events[0].GetProperty("time").GetDateTimeOffset();
        double At(JsonElement e) => (e.GetProperty("time").GetDateTimeOffset() - origin).TotalMilliseconds;
        int server = events.FirstOrDefault(e => Text(e, "event") == "listening") is { ValueKind: JsonValueKind.Object } listening
            ? listening.GetProperty("pid").GetInt32()
            : events[0].GetProperty("pid").GetInt32();

        var lanes = new Dictionary<int, Lane>();
        var order = new List<Lane>();
        var marks = new List<Mark>();
        var accepts = new List<double>();
        string model = "", policy = "";
        foreach (var e in events)
        {
            double at = At(e);
            string name = Text(e, "event") ?? "";
            if (e.GetProperty("pid").GetInt32() != server)
            {
                // A child's own line: only the one that says it left an orphan, whose start the server cannot see.
                if (name == "left-orphan" && e.TryGetProperty("orphan", out var left) && left.ValueKind == JsonValueKind.Number)
                {
                    var lane = new Lane(left.GetInt32(), LaneKind.Orphan, $"orphan of {e.GetProperty("pid").GetInt32()}", at);
                    lanes[lane.Pid] = lane;
                    order.Add(lane);
                }
                continue;
            }
            int child = e.TryGetProperty("child", out var c) && c.ValueKind == JsonValueKind.Number ? c.GetInt32() : 0;
            Lane Open(LaneKind kind, string? startInferred) => lanes.TryGetValue(child, out var known) ? known
                : Add(new Lane(child, kind, Text(e, "peer") ?? "", startInferred is null ? at : 0) { StartInferred = startInferred });
            Lane Add(Lane lane)
            {
                lanes[lane.Pid] = lane;
                order.Add(lane);
                return lane;
            }
            switch (name)
            {
                case "listening":
                    model = Text(e, "model") ?? "";
                    policy = Text(e, "reap") ?? "";
                    break;
                case "accepted":
                    accepts.Add(at);
                    break;
                case "forked" when child > 0:
                    lanes.Remove(child); // a pid used again is a new child
                    Add(new Lane(child, LaneKind.Client, Text(e, "peer") ?? "", at));
                    continue;
                case "spawned" when child > 0:
                    lanes.Remove(child);
                    Add(new Lane(child, LaneKind.Spawned, Text(e, "peer") ?? "", at));
                    continue;
                case "worker-started" when child > 0:
                    lanes.Remove(child);
                    Add(new Lane(child, LaneKind.Worker, "worker", at));
                    continue;
                case "exited" when child > 0:
                {
                    var lane = Open(LaneKind.Client, "forked before the log begins");
                    lane.Exit = at;
                    lane.Status = Text(e, "status");
                    continue;
                }
                case "reaped" when child > 0:
                {
                    bool orphan = e.TryGetProperty("orphan", out var o) && o.ValueKind == JsonValueKind.True;
                    var lane = orphan && !lanes.ContainsKey(child)
                        ? Add(new Lane(child, LaneKind.Orphan, "orphan", at) { StartInferred = "an adopted orphan whose start is not in this log (the child's left-orphan line is in the full --log json output, not in serve --timeline): drawn at its reap" })
                        : Open(LaneKind.Client, "forked before the log begins");
                    if (lane.Exit is not null && e.TryGetProperty("zombie_ms", out var zombie) && zombie.ValueKind == JsonValueKind.Number)
                    {
                        // The server's own clock, read when it saw the exit: the "exited" line itself may be written
                        // a little later (the first one, under the JIT, waits for its code to be compiled).
                        lane.Exit = at - zombie.GetDouble();
                    }
                    else if (lane.Exit is null)
                    {
                        lane.Exit = at;
                        lane.ExitInferred = orphan
                            ? "an orphan's exit is seen only when it is reaped"
                            : "exit taken as the reap: the server reaps on SIGCHLD at once and logs no separate exit";
                    }
                    lane.Reaped = at;
                    lane.Status = Text(e, "status");
                    lanes.Remove(child);
                    continue;
                }
                case "vanished" when child > 0:
                {
                    var lane = Open(LaneKind.Client, "forked before the log begins");
                    lane.Exit = lane.Reaped = at;
                    lane.ExitInferred = "SIGCHLD ignored: the kernel reaped it at exit; the server noticed at its next sweep (up to 250 ms later)";
                    lane.Vanished = true;
                    lanes.Remove(child);
                    continue;
                }
            }
            if (MarkNames.TryGetValue(name, out string? label))
            {
                string text = name == "stopping" || name == "signal-ignored" ? Text(e, "signal") ?? label : label;
                marks.Add(new Mark(at, name, text));
            }
        }
        return new Lives
        {
            Origin = origin,
            End = At(events[^1]),
            Model = model,
            Policy = policy,
            Lanes = order,
            Marks = marks,
            Accepts = accepts,
        };
    }

    private static IEnumerable<string> Lines(TextReader input)
    {
        var line = new StringBuilder();
        int number = 1;
        for (int c = input.Read(); c >= 0; c = input.Read())
        {
            if (c == '\n')
            {
                yield return line.ToString();
                line.Clear();
                number++;
            }
            else if (c == '\0')
            {
                throw new FormatException($"line {number} has a NUL byte: it is not a --log json log");
            }
            else if (line.Length == MaxLine)
            {
                throw new FormatException($"line {number} is longer than {MaxLine >> 20} MiB: it is not a --log json log");
            }
            else
            {
                line.Append((char)c);
            }
        }
        if (line.Length > 0)
        {
            yield return line.ToString();
        }
    }

    private static JsonElement? Parse(string line)
    {
        try
        {
            using var document = JsonDocument.Parse(line);
            return document.RootElement.Clone();
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string? Text(JsonElement e, string key) =>
        e.TryGetProperty(key, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
