using System.Text;

namespace ForkServer.Cli;

/// <summary>
/// Text that came from someone else (a chat peer, a process's command line) made safe to print on a terminal: every
/// control character becomes <c>?</c>, as procps <c>ps</c> shows them, so no byte can move the cursor, clear the
/// screen, retitle the window or forge a line of the log.
/// </summary>
public static class Printable
{
    public static string Of(ReadOnlySpan<byte> utf8) => Of(Encoding.UTF8.GetString(utf8));

    public static string Of(string text)
    {
        var printable = new StringBuilder(text.Length);
        foreach (char c in text)
        {
            printable.Append(char.IsControl(c) && c != '\t' ? '?' : c);
        }
        return printable.ToString();
    }
}
