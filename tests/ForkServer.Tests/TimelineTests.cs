using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using ForkServer.Tests.Support;

namespace ForkServer.Tests;

/// <summary>
/// <c>forkserver timeline</c> and <c>serve --timeline</c>, from a real run of 20 clients under each reap policy:
/// one lane per child, zombie bars as long as the log says (exit to reap), the text rendering alike, and a picture
/// rsvg-convert can draw. With FORKSERVER_TIMELINE_DOCS=1 the runs also write docs/timeline-POLICY.svg.
/// </summary>
[Trait("Category", "Linux")]
public sealed partial class TimelineTests : IDisposable
{
    private const int Clients = 20;

    // Each test's files: a test's instance is its own, and xunit disposes of it whether the test passed, failed or skipped.
    private readonly string _dir = Directory.CreateTempSubdirectory("fs-timeline-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    public static TheoryData<string> Policies => ["signal", "accept", "none", "ignore"];

    [Theory]
    [MemberData(nameof(Policies))]
    public void TwentyClientsDrawOneLaneEachWithTheirZombieTimes(string policy)
    {
        string stopPicture = Path.Combine(_dir, "serve.svg");
        var events = RecordRun(policy, stopPicture);
        string logFile = Path.Combine(_dir, "run.log");
        File.WriteAllLines(logFile, events.Select(e => e.GetRawText()));

        string svgFile = Path.Combine(_dir, "timeline.svg");
        var drawn = ProgramRun.Of(Binaries.Server, ["timeline", logFile, "-o", svgFile]);
        Assert.True(drawn.ExitCode == 0, drawn.Transcript());
        var svg = XDocument.Load(svgFile).Root!;
        double msPerPx = double.Parse(svg.Attribute("data-ms-per-px")!.Value, CultureInfo.InvariantCulture);
        var lanes = svg.Descendants().Where(e => (string?)e.Attribute("class") == "lane").ToDictionary(e => int.Parse(e.Attribute("data-pid")!.Value));
        var forked = events.Where(e => Name(e) == "forked").Select(e => e.GetProperty("child").GetInt32()).ToList();
        Assert.Equal(Clients, forked.Count);
        Assert.Equal(forked.Order(), lanes.Keys.Order());

        // The server drew the same lanes when it stopped.
        var atStop = XDocument.Load(stopPicture).Root!.Descendants().Where(e => (string?)e.Attribute("class") == "lane").Select(e => int.Parse(e.Attribute("data-pid")!.Value));
        Assert.Equal(forked.Order(), atStop.Order());

        var origin = Time(events[0]);
        double At(JsonElement e) => (Time(e) - origin).TotalMilliseconds;
        var accepts = events.Where(e => Name(e) == "accepted").Select(At).Order().ToList();
        var text = ProgramRun.Of(Binaries.Server, ["timeline", logFile, "--text"]);
        Assert.True(text.ExitCode == 0, text.Transcript());
        double slice = double.Parse(Slice().Match(string.Join('\n', text.Output)).Groups[1].Value, CultureInfo.InvariantCulture);
        var rows = text.Output.Select(l => Row().Match(l)).Where(m => m.Success).ToDictionary(m => int.Parse(m.Groups[1].Value), m => m.Groups[2].Value);
        Assert.Equal(forked.Order(), rows.Keys.Order());

        foreach (int pid in forked)
        {
            var exited = events.FirstOrDefault(e => Name(e) == "exited" && Child(e) == pid);
            var reaped = events.FirstOrDefault(e => Name(e) is "reaped" or "vanished" && Child(e) == pid);
            Assert.True(reaped.ValueKind == JsonValueKind.Object, $"child {pid} was never reaped in the log");
            // Exit to reap as the server measured it (zombie_ms, its monotonic clock from the moment it saw the
            // exit), else as the log's times say.
            double expected = reaped.TryGetProperty("zombie_ms", out var measured) && measured.ValueKind == JsonValueKind.Number ? measured.GetDouble()
                : exited.ValueKind == JsonValueKind.Object ? At(reaped) - At(exited) : 0;
            var zombie = lanes[pid].Elements().FirstOrDefault(e => (string?)e.Attribute("class") == "zombie");
            double drawnZombie = zombie is null ? 0 : double.Parse(zombie.Attribute("width")!.Value, CultureInfo.InvariantCulture) * msPerPx;
            Assert.True(Math.Abs(drawnZombie - expected) <= 5, $"child {pid}: zombie drawn {drawnZombie:0.0} ms, log says {expected:0.0} ms");
            double dataZombie = double.Parse(lanes[pid].Attribute("data-zombie-ms")!.Value, CultureInfo.InvariantCulture);
            Assert.True(Math.Abs(dataZombie - expected) <= 5, $"child {pid}: data-zombie-ms {dataZombie} ms, log says {expected:0.0} ms");
            int zs = rows[pid].Count(c => c == 'z');
            Assert.True(Math.Abs(zs - expected / slice) <= 1.5, $"child {pid}: {zs} z columns of {slice} ms for a {expected:0.0} ms zombie: |{rows[pid]}|");
            Assert.Contains('=', rows[pid]);

            if (policy == "accept" && exited.ValueKind == JsonValueKind.Object && accepts.FirstOrDefault(a => a > At(exited), -1) is var next && next >= 0)
            {
                // The tutorial's reapChildren(): the zombie ends at the next client's accept, not before and not at the one after.
                double after = accepts.FirstOrDefault(a => a > next, double.MaxValue);
                Assert.True(At(reaped) >= next && At(reaped) < after && At(reaped) - next < 50,
                    $"child {pid} exited at {At(exited):0.0} ms and was reaped at {At(reaped):0.0} ms; the next accept was at {next:0.0} ms");
            }
        }
        int zombieLanes = lanes.Values.Count(l => l.Elements().Any(e => (string?)e.Attribute("class") == "zombie"));
        switch (policy)
        {
            case "none":
                Assert.Equal(Clients, zombieLanes);
                break;
            case "accept":
                Assert.True(zombieLanes >= Clients / 2, $"only {zombieLanes} zombies drawn");
                break;
            default:
                Assert.Equal(0, zombieLanes);
                break;
        }

        Assert.SkipUnless(File.Exists("/usr/bin/rsvg-convert"), "needs rsvg-convert (Debian package librsvg2-bin) to prove the SVG renders");
        string png = Path.Combine(_dir, "timeline.png");
        var render = ProgramRun.Of("/usr/bin/rsvg-convert", [svgFile, "-o", png]);
        Assert.True(render.ExitCode == 0, render.Transcript());
        byte[] head = File.ReadAllBytes(png)[..24];
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, head[..4]);
        Assert.Equal(1120, (head[16] << 24) | (head[17] << 16) | (head[18] << 8) | head[19]);

        if (Environment.GetEnvironmentVariable("FORKSERVER_TIMELINE_DOCS") == "1")
        {
            File.Copy(stopPicture, Path.Combine(Binaries.RepoRoot, "docs", $"timeline-{policy}.svg"), overwrite: true);
        }
    }

    [Theory]
    [InlineData("fork", "orphan")]
    [InlineData("prefork", "worker")]
    [InlineData("spawn", "spawned")]
    public void WorkersSpawnedChildrenAndOrphansHaveLanesOfTheirKind(string model, string kind)
    {
        using var server = ServerProcess.Start(["--model", model, .. ModelOptions.Workers(model, 2), "--leave-orphan", "0.2", "--subreaper", "--log", "json"]);
        for (int i = 0; i < 2; i++)
        {
            using var client = new TcpClientSession(server.Port);
            Assert.Equal($"you send:{i}", client.Exchange($"{i}", $"you send:{i}"));
            client.Send("q");
            Assert.True(client.ServerClosed());
        }
        string expected = kind switch { "orphan" => "orphaned", "worker" => "worker-started", _ => "spawned" };
        Assert.True(Wait.Until(() => server.Events(expected).Count >= 2 && (kind != "orphan" || server.Events("reaped").Count(e => e.TryGetProperty("orphan", out _)) >= 2),
            TimeSpan.FromSeconds(20)), server.Transcript());
        server.Signal(ProcFs.SIGTERM);
        Assert.Equal(0, server.WaitForExit(TimeSpan.FromSeconds(30)));
        var drawn = ProgramRun.Of(Binaries.Server, ["timeline", "-"], string.Join('\n', server.Output) + "\n");
        Assert.True(drawn.ExitCode == 0, drawn.Transcript());
        var lanes = XDocument.Parse(string.Join('\n', drawn.Output)).Root!.Descendants().Where(e => (string?)e.Attribute("class") == "lane").ToList();
        var pids = kind == "orphan"
            ? server.Events("orphaned").Select(e => e.GetProperty("orphan").GetInt32())
            : server.Events(expected).Select(e => e.GetProperty("child").GetInt32());
        foreach (int pid in pids)
        {
            Assert.Equal(kind, lanes.Single(l => l.Attribute("data-pid")!.Value == pid.ToString(CultureInfo.InvariantCulture)).Attribute("data-kind")!.Value);
        }
    }

    /// <summary>
    /// What would keep the picture from being drawn is said as the server starts, in one line, before it serves: a file
    /// it cannot write, tried as the user it will serve as, or --quiet, whose log has no fork or reap to draw. A start
    /// that fails for another reason draws nothing.
    /// </summary>
    [Fact]
    public void ATimelineThatCouldNotBeDrawnIsRefusedBeforeTheServerServes()
    {
        var missing = ProgramRun.Of(Binaries.Server, ["--port", "0", "--timeline", "/nonexistent-dir/run.svg"]);
        Assert.Equal(2, missing.ExitCode);
        Assert.Contains("forkserver: --timeline /nonexistent-dir/run.svg: cannot write it: open failed: ENOENT",
            Assert.Single(missing.Errors, l => l.Length > 0));
        Assert.DoesNotContain(missing.Output, l => l.Contains("listening", StringComparison.Ordinal));

        string quiet = Path.Combine(_dir, "quiet.svg");
        var quietRun = ProgramRun.Of(Binaries.Server, ["--port", "0", "--quiet", "--timeline", quiet]);
        Assert.Equal(2, quietRun.ExitCode);
        Assert.Contains("forkserver: --timeline: a --quiet server logs no fork or reap to draw", Assert.Single(quietRun.Errors, l => l.Length > 0));
        Assert.False(File.Exists(quiet));

        using var first = ServerProcess.Start();
        string busy = Path.Combine(_dir, "busy.svg");
        var busyRun = ProgramRun.Of(Binaries.Server, ["--port", first.Port.ToString(CultureInfo.InvariantCulture), "--timeline", busy]);
        Assert.Equal(2, busyRun.ExitCode);
        Assert.Contains("is already in use", Assert.Single(busyRun.Errors, l => l.Length > 0));
        Assert.Empty(busyRun.Output);
        Assert.False(File.Exists(busy));

        // A FIFO nobody reads: opening it for writing would wait for a reader, with SIGTERM blocked.
        string fifo = Path.Combine(_dir, "fifo.svg");
        Assert.Equal(0, ProgramRun.Of("/usr/bin/mkfifo", [fifo]).ExitCode);
        var unread = ProgramRun.Of(Binaries.Server, ["--port", "0", "--timeline", fifo]);
        Assert.Equal(2, unread.ExitCode);
        Assert.Contains($"--timeline {fifo}: cannot write it: open failed: ENXIO", Assert.Single(unread.Errors, l => l.Length > 0));

        if (ProcFs.IsRoot)
        {
            // The directory is root's alone: the server binds as root, then serves (and draws) as nobody.
            string forbidden = Path.Combine(_dir, "nobody.svg");
            var asNobody = ProgramRun.Of(Binaries.Server, ["--port", "0", "--user", "nobody", "--timeline", forbidden]);
            Assert.Equal(2, asNobody.ExitCode);
            Assert.Contains($"--timeline {forbidden}: cannot write it: open failed: EACCES", Assert.Single(asNobody.Errors, l => l.Length > 0));
        }
    }

    /// <summary>A directory given for the log or for the picture is called a directory, not "access denied".</summary>
    /// <summary>A picture that could be opened at the start but not written at the stop fails the run: it exited 0.</summary>
    [Fact]
    public void APictureThatCannotBeWrittenAtTheStopMakesTheExitStatus1()
    {
        using var server = ServerProcess.Start("--timeline", "/dev/full");
        using (var client = new TcpClientSession(server.Port))
        {
            Assert.Equal("you send:x", client.Exchange("x", "you send:x"));
        }
        server.Signal(ProcFs.SIGTERM);
        Assert.Equal(1, server.WaitForExit(TimeSpan.FromSeconds(20)));
        Assert.Contains(server.Errors, l => l.Contains("forkserver: cannot write the timeline /dev/full: ") && l.Contains("No space left on device"));
    }

    [Fact]
    public void ADirectoryGivenForTheLogOrThePictureIsSaidToBeOne()
    {
        var asLog = ProgramRun.Of(Binaries.Server, ["timeline", _dir]);
        Assert.Equal(2, asLog.ExitCode);
        Assert.Equal($"forkserver timeline: {_dir}: it is a directory", Assert.Single(asLog.Errors));

        string log = "{\"time\":\"2026-01-01T00:00:00.000+00:00\",\"pid\":1,\"event\":\"listening\",\"message\":\"listening\",\"model\":\"fork\",\"reap\":\"signal\"}\n";
        var asPicture = ProgramRun.Of(Binaries.Server, ["timeline", "-", "-o", _dir], log);
        Assert.Equal(1, asPicture.ExitCode);
        Assert.Equal($"forkserver timeline: cannot write {_dir}: it is a directory", Assert.Single(asPicture.Errors));
    }

    /// <summary>
    /// Started with standard input closed, the process finds the runtime's own descriptor on 0 (/dev/urandom under
    /// NativeAOT, a pipe under the JIT): timeline read it for ever, at 100% CPU.
    /// </summary>
    [Theory]
    [InlineData(Build.Jit)]
    [InlineData(Build.Aot)]
    public void AClosedStandardInputIsSaidSoInOneLine(Build build)
    {
        var run = ProgramRun.Of("/bin/bash", ["-c", "exec \"$@\" <&-", "-", Binaries.ServerFor(build), "timeline"]);
        Assert.True(run.ExitCode == 2, run.Transcript());
        Assert.Equal("forkserver timeline: standard input is closed: give the event log as FILE or on standard input", Assert.Single(run.Errors, l => l.Length > 0));
    }

    /// <summary>/dev/zero, one endless line of NULs, took 1.1 GB in 3 s; a line past 1 MiB is refused too, by its number.</summary>
    [Fact]
    public void InputThatIsNoLogIsRefusedInOneLineWithoutReadingItAll()
    {
        var zeros = ProgramRun.Of("/bin/bash", ["-c", "exec \"$@\" </dev/zero", "-", Binaries.Server, "timeline"]);
        Assert.True(zeros.ExitCode == 2, zeros.Transcript());
        Assert.Equal("forkserver timeline: standard input: line 1 has a NUL byte: it is not a --log json log", Assert.Single(zeros.Errors, l => l.Length > 0));

        string log = Path.Combine(_dir, "long.log");
        File.WriteAllText(log, "{\"time\":\"2025-01-01T00:00:00Z\",\"event\":\"listening\",\"pid\":1}\n" + new string('x', (1 << 20) + 1) + "\n");
        var longLine = ProgramRun.Of(Binaries.Server, ["timeline", log]);
        Assert.True(longLine.ExitCode == 2, longLine.Transcript());
        Assert.Equal($"forkserver timeline: {log}: line 2 is longer than 1 MiB: it is not a --log json log", Assert.Single(longLine.Errors, l => l.Length > 0));
    }

    [Fact]
    public void ALogWithoutJsonEventsIsRefusedInOneLine()
    {
        var run = ProgramRun.Of(Binaries.Server, ["timeline", "-"], "12:00:00.000 [1] listening on 127.0.0.1:1\n");
        Assert.Equal(2, run.ExitCode);
        Assert.Single(run.Errors);
        Assert.Contains("no JSON event", run.Errors[0]);
    }

    /// <summary>
    /// A server under <paramref name="policy"/> serves 20 clients that arrive 60 ms apart and stay 240 ms each, then
    /// stops on SIGTERM; returns its events and has it draw <paramref name="picture"/> as it stops.
    /// </summary>
    private static List<JsonElement> RecordRun(string policy, string picture)
    {
        using var server = ServerProcess.Start("--reap", policy, "--log", "json", "--timeline", picture, "--grace", "5");
        var clock = Stopwatch.StartNew();
        var failures = new System.Collections.Concurrent.ConcurrentQueue<Exception>();
        // A thread per client: blocking sockets, and no wait for the thread pool to grow under load.
        var clients = Enumerable.Range(0, Clients).Select(i => new Thread(() =>
        {
            try
            {
                var wait = TimeSpan.FromMilliseconds(60 * i) - clock.Elapsed;
                Thread.Sleep(wait > TimeSpan.Zero ? wait : TimeSpan.Zero);
                using var client = new TcpClientSession(server.Port);
                Assert.Equal($"you send:{i}", client.Exchange($"{i}", $"you send:{i}"));
                Thread.Sleep(240);
                client.Send("q");
                Assert.True(client.ServerClosed());
            }
            catch (Exception e)
            {
                failures.Enqueue(e);
            }
        })).ToList();
        clients.ForEach(t => t.Start());
        clients.ForEach(t => Assert.True(t.Join(TimeSpan.FromSeconds(60))));
        Assert.Empty(failures);
        Assert.True(Wait.Until(() => server.Events("exited").Count + server.Events("reaped").Count + server.Events("vanished").Count >= Clients,
            TimeSpan.FromSeconds(20)), server.Transcript());
        Thread.Sleep(400);
        server.Signal(ProcFs.SIGTERM);
        Assert.Equal(0, server.WaitForExit(TimeSpan.FromSeconds(30)));
        Assert.True(File.Exists(picture), server.Transcript());
        return [.. server.Output.Where(l => l.StartsWith('{')).Select(l => JsonDocument.Parse(l).RootElement)];
    }

    private static string? Name(JsonElement e) => e.GetProperty("event").GetString();

    private static int Child(JsonElement e) => e.TryGetProperty("child", out var c) && c.ValueKind == JsonValueKind.Number ? c.GetInt32() : 0;

    private static DateTimeOffset Time(JsonElement e) => e.GetProperty("time").GetDateTimeOffset();

    [GeneratedRegex(@"one column = ([0-9.]+) ms")]
    private static partial Regex Slice();

    [GeneratedRegex(@"^\s*(\d+) [cwso] .{22} \|(.{64})\|")]
    private static partial Regex Row();
}
