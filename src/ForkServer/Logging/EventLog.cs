using System.Buffers;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using ForkServer.Interop;

namespace ForkServer.Logging;

/// <summary>
/// One line per event, with the time and the pid of the process that saw it, so a student can follow parent and
/// children side by side: <c>12:00:01.250 [4242] forked child 4250 for 127.0.0.1:53312</c>. Events go to standard
/// output, errors to standard error. <c>--quiet</c> keeps only errors and the line that says where the server listens; <c>--log json</c> writes the same events as
/// JSON objects with the fields spelled out.
/// </summary>
public sealed class EventLog(LogFormat format, bool quiet)
{
    /// <summary>Text lines, nothing suppressed: for the commands that take no logging options.</summary>
    public static EventLog Default { get; } = new(LogFormat.Text, quiet: false);

    // Taken when the log is made, before any fork: a forked child that touched the streams first would run their
    // setup itself, in every child (a prefork worker logs before its parent has written a line).
    private readonly StandardStream _out = StandardStream.Out;
    private readonly StandardStream _error = StandardStream.Error;

    public LogFormat Format { get; } = format;

    public bool Quiet { get; } = quiet;

    public void Info(string name, string message, params ReadOnlySpan<LogField> fields)
    {
        if (!Quiet)
        {
            _out.WriteLine(Render(name, message, fields));
        }
    }

    /// <summary>
    /// An event printed even with <c>--quiet</c>: the line that says a server is up and where (its port may have
    /// been chosen by the kernel), without which a quiet server gives no sign of life.
    /// </summary>
    public void Always(string name, string message, params ReadOnlySpan<LogField> fields) =>
        _out.WriteLine(Render(name, message, fields));

    public void Error(string name, string message, params ReadOnlySpan<LogField> fields) =>
        _error.WriteLine(Render(name, message, fields));

    private byte[] Render(string name, string message, ReadOnlySpan<LogField> fields)
    {
        var now = DateTimeOffset.Now;
        int pid = OperatingSystem.IsWindows() ? Environment.ProcessId : Posix.GetPid();
        return Format == LogFormat.Text
            ? Encoding.UTF8.GetBytes($"{now:HH:mm:ss.fff} [{pid}] {message}\n")
            : RenderJson(now, pid, name, message, fields);
    }

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
