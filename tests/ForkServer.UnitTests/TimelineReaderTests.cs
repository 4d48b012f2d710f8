using ForkServer.Demos;
using ForkServer.Timeline;

namespace ForkServer.UnitTests;

/// <summary>How an event log becomes lanes, and how lanes become text; and the quiz's answer.</summary>
public sealed class TimelineReaderTests
{
    private const int Server = 100;

    private static string Event(double ms, string name, string fields = "", int pid = Server) =>
        $"{{\"time\":\"2026-01-01T00:00:{ms / 1000:00.000}+00:00\",\"event\":\"{name}\",\"pid\":{pid}{fields},\"message\":\"m\"}}";

    private static Lives Read(params string[] lines) => LogReader.Read(new StringReader(string.Join('\n', lines)));

    [Fact]
    public void AZombieLastsFromTheExitTheServerMeasuredToTheReap()
    {
        var lives = Read(
            Event(0, "listening", ",\"model\":\"fork\",\"reap\":\"accept\""),
            Event(100, "forked", ",\"child\":7,\"peer\":\"127.0.0.1:1\""),
            Event(130, "exited", ",\"child\":7,\"status\":\"exited with status 0\""),
            "not an event",
            Event(500, "accepted", ",\"peer\":\"127.0.0.1:2\""),
            Event(501, "reaped", ",\"child\":7,\"status\":\"exited with status 0\",\"zombie_ms\":375.0"),
            Event(600, "stopped"));
        var lane = Assert.Single(lives.Lanes);
        Assert.Equal(100, lane.Start, 3);
        Assert.Equal(126, lane.Exit!.Value, 3);
        Assert.Equal(375, lane.ZombieMs(lives.End), 3);
        Assert.Null(lane.ExitInferred);
        Assert.Equal("accept", lives.Policy);
        Assert.Equal([500.0], lives.Accepts);
        Assert.Equal(["listening", "stopped"], lives.Marks.Select(m => m.Name));
    }

    [Fact]
    public void AReapWithoutAnExitIsTheExitAndSaysSo()
    {
        var lives = Read(Event(0, "forked", ",\"child\":7,\"peer\":\"p\""), Event(50, "reaped", ",\"child\":7,\"status\":\"killed by SIGTERM\""));
        var lane = Assert.Single(lives.Lanes);
        Assert.Equal(50, lane.Exit!.Value, 3);
        Assert.Equal(0, lane.ZombieMs(lives.End), 3);
        Assert.NotNull(lane.ExitInferred);
        Assert.Single(lives.Inferences);
    }

    [Fact]
    public void AChildNeverReapedIsAZombieToTheEndOfTheLog()
    {
        var lives = Read(Event(0, "forked", ",\"child\":7,\"peer\":\"p\""), Event(10, "exited", ",\"child\":7"), Event(110, "status"));
        Assert.Equal(100, lives.Lanes[0].ZombieMs(lives.End), 3);
        string row = TextPicture.Bar(lives.Lanes[0], lives.End, lives.End / TextPicture.Columns);
        Assert.Equal(TextPicture.Columns, row.Length);
        Assert.InRange(row.Count(c => c == 'z'), 57, 59);
        Assert.Matches("^=+z+$", row);
    }

    [Fact]
    public void OnlyTheServersEventsMakeLanesButAChildsLeftOrphanLineStartsOne()
    {
        var lives = Read(
            Event(0, "listening", ",\"model\":\"fork\",\"reap\":\"signal\""),
            Event(5, "forked", ",\"child\":7,\"peer\":\"p\""),
            Event(6, "left-orphan", ",\"orphan\":8", pid: 7),
            Event(7, "accepted", "", pid: 7),
            Event(20, "reaped", ",\"child\":7"),
            Event(90, "reaped", ",\"child\":8,\"orphan\":true"));
        Assert.Equal([(7, LaneKind.Client), (8, LaneKind.Orphan)], lives.Lanes.Select(l => (l.Pid, l.Kind)));
        Assert.Equal(6, lives.Lanes[1].Start, 3);
        Assert.Empty(lives.Accepts);
    }

    [Fact]
    public void ALogWithoutEventsIsRefused() =>
        Assert.Throws<FormatException>(() => Read("12:00:00.000 [1] listening on 127.0.0.1:1"));

    [Fact]
    public void AShortLifeStillGetsItsColumn()
    {
        var lane = new Lane(1, LaneKind.Client, "p", 500) { Exit = 500.2, Reaped = 500.4 };
        string row = TextPicture.Bar(lane, 6400, 100);
        Assert.Equal(1, row.Count(c => c == '='));
        Assert.Equal(1, row.Count(c => c == 'z'));
    }

    [Fact]
    public void TheQuizGivesOrphansToAAndTheSameSeedTheSameActions()
    {
        Assert.Equal(ForkQuiz.Generate(42, 10), ForkQuiz.Generate(42, 10));
        var answer = ForkQuiz.Simulate([new(0, 1), new(1, 2), new(2, 3), new(1, -1)]);
        Assert.Equal(new Dictionary<int, int> { [0] = -1, [2] = 0, [3] = 2 }, answer);
        Assert.Equal("a\n└── c\n    └── d\n", ForkQuiz.Draw(answer, ForkQuiz.Name));
    }
}
