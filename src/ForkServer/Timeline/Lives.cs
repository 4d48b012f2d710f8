namespace ForkServer.Timeline;

/// <summary>What kind of child a lane shows: each is drawn in its own colour.</summary>
public enum LaneKind
{
    /// <summary>Forked for one client (fork model).</summary>
    Client,

    /// <summary>A prefork worker: forked at start, serves client after client.</summary>
    Worker,

    /// <summary>Forked and exec'd for one client (spawn model).</summary>
    Spawned,

    /// <summary>An orphan adopted by the server as PID 1 or subreaper.</summary>
    Orphan,
}

/// <summary>
/// One child's life as the log tells it, in milliseconds since the log's first event: alive from
/// <see cref="Start"/> to <see cref="Exit"/>, then a zombie until <see cref="Reaped"/>. A time the log does not
/// give directly comes with the reason it is inferred, which the pictures print.
/// </summary>
public sealed class Lane(int pid, LaneKind kind, string client, double start)
{
    public int Pid { get; } = pid;

    public LaneKind Kind { get; } = kind;

    public string Client { get; set; } = client;

    public double Start { get; } = start;

    /// <summary>Why <see cref="Start"/> is not the time of the fork; null when it is.</summary>
    public string? StartInferred { get; init; }

    /// <summary>When it exited; null while it still ran at the end of the log.</summary>
    public double? Exit { get; set; }

    /// <summary>Why <see cref="Exit"/> is not a time the server saw the exit at; null when it is.</summary>
    public string? ExitInferred { get; set; }

    /// <summary>When it was reaped (or the kernel removed it); null while it was still a zombie at the end of the log.</summary>
    public double? Reaped { get; set; }

    /// <summary>The exit status as the log says it ("exited with status 0", "killed by SIGKILL").</summary>
    public string? Status { get; set; }

    /// <summary>The kernel reaped it (SIGCHLD ignored): no status was collected.</summary>
    public bool Vanished { get; set; }

    /// <summary>How long it was a zombie, as far as the log goes.</summary>
    public double ZombieMs(double end) => Exit is { } exit ? (Reaped ?? end) - exit : 0;

    public string Describe(double end)
    {
        string fate = Vanished ? "reaped by the kernel (SIGCHLD ignored), no status collected"
            : Status ?? (Exit is null ? "still running at the end of the log" : "not reaped by the end of the log");
        string zombie = Exit is null ? "" : Reaped is null ? $"; a zombie for {ZombieMs(end):0} ms, still one at the end of the log" : $"; a zombie for {ZombieMs(end):0} ms";
        string lived = Exit is { } exit ? $"lived {exit - Start:0} ms" : "";
        return $"{Pid} {Names(Kind)} {Client}: {lived}{zombie}; {fate}";
    }

    public static string Names(LaneKind kind) => kind switch
    {
        LaneKind.Worker => "prefork worker",
        LaneKind.Spawned => "spawned child",
        LaneKind.Orphan => "adopted orphan",
        _ => "child",
    };
}

/// <summary>A server event drawn as a mark on the time axis: listening, a signal, the stop.</summary>
public readonly record struct Mark(double At, string Name, string Text);

/// <summary>A server's run as its event log tells it: one lane per child, the server's marks, the accepts.</summary>
public sealed class Lives
{
    public required DateTimeOffset Origin { get; init; }

    /// <summary>Milliseconds from the first event to the last.</summary>
    public required double End { get; init; }

    public required string Model { get; init; }

    /// <summary>The reap policy, or "" for a model that names none (prefork).</summary>
    public required string Policy { get; init; }

    public required IReadOnlyList<Lane> Lanes { get; init; }

    public required IReadOnlyList<Mark> Marks { get; init; }

    /// <summary>When the server accepted a client: under <c>--reap accept</c> the zombies end here.</summary>
    public required IReadOnlyList<double> Accepts { get; init; }

    public string Title => $"forkserver timeline: model {Model}{(Policy.Length > 0 ? $", reap {Policy}" : "")}; {Lanes.Count} children over {End / 1000:0.00} s";

    /// <summary>Each distinct reason a time was inferred, numbered as the pictures mark them.</summary>
    public IReadOnlyList<string> Inferences =>
        [.. Lanes.SelectMany(l => new[] { l.StartInferred, l.ExitInferred }).OfType<string>().Distinct()];
}
