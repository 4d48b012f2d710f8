using System.CommandLine;
using ForkServer.Timeline;

namespace ForkServer.Cli;

/// <summary>
/// <c>forkserver timeline [FILE] [-o out.svg] [--text]</c>: draws a <c>--log json</c> event log, one lane per
/// child. SVG into <c>-o</c>, or to standard output when it is not a terminal; text at a terminal.
/// </summary>
public static class TimelineCommand
{
    public static Command Create()
    {
        var file = new Argument<string?>("FILE") { Description = "The event log (forkserver --log json); standard input when absent or -", Arity = ArgumentArity.ZeroOrOne };
        var output = new Option<string?>("--output", "-o") { Description = "Write the picture to this file (SVG unless --text)" };
        var text = new Option<bool>("--text") { Description = "Draw text (= alive, z zombie) even when not at a terminal" };
        var command = new Command("timeline", "Draw each child's life from a --log json event log: alive from fork to exit, then zombie until reaped") { file, output, text };
        command.SetAction(parsed => Run(parsed.GetValue(file), parsed.GetValue(output), parsed.GetValue(text)));
        return command;
    }

    private static int Run(string? file, string? output, bool text)
    {
        Lives lives;
        try
        {
            bool fromInput = file is null or "-";
            if (fromInput && StandardStreams.WereClosed(0))
            {
                // Descriptor 0 is then the runtime's own (/dev/urandom under NativeAOT): reading it would never end.
                Console.Error.WriteLine("forkserver timeline: standard input is closed: give the event log as FILE or on standard input");
                return ExitCodes.CannotStart;
            }
            if (fromInput && !Console.IsInputRedirected)
            {
                Console.Error.WriteLine("forkserver timeline: give the event log as FILE or on standard input (forkserver --log json > run.log)");
                return ExitCodes.CannotStart;
            }
            using var reader = fromInput ? Console.In : new StreamReader(file!);
            lives = LogReader.Read(reader);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
            Console.Error.WriteLine($"forkserver timeline: {file ?? "standard input"}: {PictureFile.Why(file, e)}");
            return ExitCodes.CannotStart;
        }
        bool asText = text || (output is null && !Console.IsOutputRedirected);
        string picture = asText ? TextPicture.Render(lives) : SvgPicture.Render(lives);
        if (output is null)
        {
            Console.Out.Write(picture);
            return ExitCodes.Ok;
        }
        if (PictureFile.Write(output, picture) is { } why)
        {
            Console.Error.WriteLine($"forkserver timeline: cannot write {output}: {why}");
            return ExitCodes.Failure;
        }
        return ExitCodes.Ok;
    }
}
