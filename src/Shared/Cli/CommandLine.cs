using System.CommandLine;

namespace ForkServer.Cli;

/// <summary>
/// How both executables run their command line: parse, and on any error print one line (the first error, after the
/// program's name) and exit 2, instead of the parser's page of help. Arguments are never read as response files: a
/// value such as <c>--prefix '@bot> '</c> is the text it says.
/// </summary>
public static class CommandLine
{
    /// <summary>
    /// One line on standard error, written so that it cannot fail in turn: with the core library only (under the JIT,
    /// System.Console is a file to open, and there may be no descriptor left to open it), and quietly if standard error
    /// is gone too.
    /// </summary>
    public static void WriteError(string line)
    {
        try
        {
            using var error = OperatingSystem.IsWindows()
                ? Console.OpenStandardError()
                : new FileStream(new Microsoft.Win32.SafeHandles.SafeFileHandle(2, ownsHandle: false), FileAccess.Write, bufferSize: 0);
            error.Write(System.Text.Encoding.UTF8.GetBytes(line + "\n"));
        }
        catch (Exception)
        {
            // Nowhere left to say it; the exit status still does.
        }
    }

    /// <param name="root">The command tree.</param>
    /// <param name="program">The program's name, which starts every error line.</param>
    /// <param name="args">The command line.</param>
    /// <param name="cannotLoad">What to say when the runtime cannot load one of the program's files (under the JIT
    /// each assembly is a file opened on first use: a low limit on open files stops a command half-way).</param>
    public static int Run(RootCommand root, string program, string[] args, Func<Exception, string> cannotLoad)
    {
        var parsed = root.Parse(args, new ParserConfiguration { ResponseFileTokenReplacer = null });
        if (parsed.Errors.Count > 0)
        {
            Console.Error.WriteLine($"{program}: {parsed.Errors[0].Message}");
            return ExitCodes.CannotStart;
        }
        try
        {
            // The parser's own handler prints a page of stack and needs more of the runtime (and descriptors) to do it.
            return parsed.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
        }
        catch (Exception e) when (IsLoadFailure(e))
        {
            WriteError(cannotLoad(e));
            return ExitCodes.Failure;
        }
        catch (Exception e)
        {
            WriteError($"{program}: failed: {e.GetType().Name}: {e.Message}");
            return ExitCodes.Failure;
        }
    }

    /// <summary>A file of the program that could not be loaded, possibly behind a type's failed initialization.</summary>
    public static bool IsLoadFailure(Exception? e) =>
        e is FileNotFoundException or FileLoadException || (e is TypeInitializationException && IsLoadFailure(e.InnerException));
}
