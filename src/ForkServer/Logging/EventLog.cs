using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.Versioning;
using System.Text;
using System.Text.Json;
using ForkServer.Interop;

namespace ForkServer.Logging;

/// <summary>
/// One line per event, with the time and the pid of the process that saw it, so a student can follow parent and
/// children side by side: <c>12:00:01.250 [4242] forked child 4250 for 127.0.0.1:53312</c>. Events go to standard
/// output, errors to standard error. <c>--quiet</c> keeps only errors and the line that says where the server
/// listens; <c>--log json</c> writes the same events as JSON objects with the fields spelled out. A line the output
/// cannot take is dropped and counted (<see cref="LogSink"/>); the first drop is said once on standard error, and
/// the stop summary gives the count, which the children's drops add to (the count lives in memory they share).
/// </summary>
public sealed class EventLog
{
    private readonly LogSink? _out;
    private readonly LogSink? _error;
    private readonly Stream? _portableOut;
    private readonly Stream? _portableError;
    private readonly SharedCounter? _dropped;
    private long _droppedHere;
    private bool _toldDropping;
    private List<byte[]>? _kept;
    private int _keeper;

    public EventLog(LogFormat format, bool quiet)
    {
        Format = format;
        Quiet = quiet;
        // Taken when the log is made, before any fork: a forked child that set its output up itself would do that
        // work, and its allocations, in every child.
        if (OperatingSystem.IsLinux())
        {
            _out = LogSink.Open(1);
            _error = LogSink.Open(2);
            _dropped = new SharedCounter();
        }
        else
        {
            _portableOut = Console.OpenStandardOutput();
            _portableError = Console.OpenStandardError();
        }
    }

    /// <summary>Text lines, nothing suppressed: for the commands that take no logging options.</summary>
    public static EventLog Default => s_default.Value;

    private static readonly Lazy<EventLog> s_default = new(() => new EventLog(LogFormat.Text, quiet: false));

    public LogFormat Format { get; }

    public bool Quiet { get; }

    /// <summary>Lines that could not be written, by this process and every process forked from it after the log was made.</summary>
    public long Dropped => OperatingSystem.IsLinux() ? _dropped!.Value : _droppedHere;

    /// <summary>
    /// From now on keeps every event this process logs as a JSON line, whatever the format, for a picture drawn when
    /// the server stops (<c>serve --timeline</c>). Children forked later keep nothing: they must not allocate.
    /// </summary>
    public void KeepEvents()
    {
        _kept = [];
        _keeper = CurrentPid();
    }

    /// <summary>The events kept since <see cref="KeepEvents"/>, as JSON lines.</summary>
    public IReadOnlyList<byte[]> Kept => _kept ?? [];

    public void Info(string name, string message, params ReadOnlySpan<LogField> fields)
    {
        if (!Quiet)
        {
            Emit(toError: false, name, message, fields);
        }
    }

    /// <summary>
    /// An event printed even with <c>--quiet</c>: the line that says a server is up and where (its port may have
    /// been chosen by the kernel), without which a quiet server gives no sign of life.
    /// </summary>
    public void Always(string name, string message, params ReadOnlySpan<LogField> fields) =>
        Emit(toError: false, name, message, fields);

    /// <summary>
    /// The line every server prints once it serves, even with <c>--quiet</c>: where, how (<paramref name="how"/>),
    /// how to watch it, and the pid to signal to stop it, which under <c>dotnet run</c> is not the pid a script
    /// started (and <c>dotnet run</c> started from a script ignores SIGINT).
    /// </summary>
    public void Listening(string address, string how, string? watch, params ReadOnlySpan<LogField> fields)
    {
        int pid = Environment.ProcessId;
        string stop = OperatingSystem.IsWindows() ? "stop it with Ctrl-C" : $"stop it with Ctrl-C or: kill -TERM {pid}";
        Always("listening", $"listening on {address} ({how}){(watch is null ? "" : "; " + watch)}; {stop}",
            [new LogField("address", address), .. fields]);
    }

    public void Error(string name, string message, params ReadOnlySpan<LogField> fields) =>
        Emit(toError: true, name, message, fields);

    /// <summary>
    /// The last line of a run, the stop's summary: like <see cref="Info"/>, and also on standard error when standard
    /// output lost lines, so that the count of lost lines reaches someone.
    /// </summary>
    public void Summary(string name, string message, params ReadOnlySpan<LogField> fields)
    {
        Info(name, message, fields);
        if (OperatingSystem.IsLinux() && _out!.FirstFailure != 0)
        {
            Write(toError: true, Render(DateTimeOffset.Now, CurrentPid(), name, message, fields));
        }
    }

    /// <summary>"; 12 log lines could not be written" for a summary line, or nothing when none was lost.</summary>
    public string DroppedSummary() => Dropped == 0 ? "" : $"; {Dropped} log lines could not be written and were dropped";

    private void Write(bool toError, byte[] line)
    {
        if (OperatingSystem.IsLinux())
        {
            var sink = toError ? _error! : _out!;
            if (!sink.WriteLine(line))
            {
                NoteDropped(sink);
            }
            return;
        }
        try
        {
            var stream = toError ? _portableError! : _portableOut!;
            stream.Write(line);
            stream.Flush();
        }
        catch (IOException)
        {
            _droppedHere++;
        }
    }

    [SupportedOSPlatform("linux")]
    private void NoteDropped(LogSink sink)
    {
        _dropped!.Increment();
        if (_toldDropping)
        {
            return;
        }
        _toldDropping = true;
        string which = sink.StandardFd == 1 ? "standard output" : "standard error";
        string why = PosixException.Describe("write", sink.FirstFailure);
        // Said once, on the other stream; if that one fails too, the count is all that is left.
        var other = sink.StandardFd == 1 ? _error! : _out!;
        other.WriteLine(Encoding.UTF8.GetBytes(
            $"forkserver [{Posix.GetPid()}]: the log cannot be written to {which} ({why}); lines it cannot take are dropped and counted, and the server goes on\n"));
    }

    private void Emit(bool toError, string name, string message, ReadOnlySpan<LogField> fields)
    {
        var now = DateTimeOffset.Now;
        int pid = CurrentPid();
        byte[] line = Render(now, pid, name, message, fields);
        Write(toError, line);
        if (_kept is not null && pid == _keeper)
        {
            _kept.Add(Format == LogFormat.Json ? line : RenderJson(now, pid, name, message, fields));
        }
    }

    private static int CurrentPid() => OperatingSystem.IsLinux() ? Posix.GetPid() : Environment.ProcessId;

    private byte[] Render(DateTimeOffset now, int pid, string name, string message, ReadOnlySpan<LogField> fields) =>
        Format == LogFormat.Text
            ? Encoding.UTF8.GetBytes($"{now:HH:mm:ss.fff} [{pid}] {message}\n")
            : RenderJson(now, pid, name, message, fields);

    // A method of its own, never inlined: under the JIT, System.Text.Json is loaded only by a server that writes
    // JSON. Each assembly loaded is mappings and written pages that every fork copies.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static byte[] RenderJson(DateTimeOffset now, int pid, string name, string message, ReadOnlySpan<LogField> fields)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("time", now);
            json.WriteString("event", name);
            json.WriteNumber("pid", pid);
            foreach (var field in fields)
            {
                switch (field.Value)
                {
                    case int number:
                        json.WriteNumber(field.Key, number);
                        break;
                    case long number:
                        json.WriteNumber(field.Key, number);
                        break;
                    case double number:
                        json.WriteNumber(field.Key, number);
                        break;
                    case bool flag:
                        json.WriteBoolean(field.Key, flag);
                        break;
                    case null:
                        json.WriteNull(field.Key);
                        break;
                    default:
                        json.WriteString(field.Key, field.Value.ToString());
                        break;
                }
            }
            json.WriteString("message", message);
            json.WriteEndObject();
        }
        buffer.Write("\n"u8);
        return buffer.WrittenSpan.ToArray();
    }
}
