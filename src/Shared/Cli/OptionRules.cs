using System.CommandLine;
using System.Globalization;

namespace ForkServer.Cli;

/// <summary>
/// Options whose value is a number in a range, or one word of a list, made the same way for every command: a value
/// that does not parse or falls outside the range is one line naming the option, the value and what is accepted
/// (<c>--port: 'abc' is not a whole number from 0 to 65535</c>), never a stack trace, and the program exits 2.
/// </summary>
public static class OptionRules
{
    /// <summary>A whole number from <paramref name="least"/> to <paramref name="most"/>.</summary>
    public static Option<int> WholeNumber(string name, string description, int defaultValue, int least, int most, params string[] aliases)
    {
        var option = new Option<int>(name, aliases) { Description = $"{description} ({least} to {most})", DefaultValueFactory = _ => defaultValue };
        option.CustomParser = result => ParseWhole(result, name, least, most) ?? defaultValue;
        return option;
    }

    /// <summary>As <see cref="WholeNumber"/>, for an option that is absent unless given.</summary>
    public static Option<int?> OptionalWholeNumber(string name, string description, int least, int most)
    {
        var option = new Option<int?>(name) { Description = $"{description} ({least} to {most})" };
        option.CustomParser = result => ParseWhole(result, name, least, most);
        return option;
    }

    /// <summary>
    /// A number of seconds from <paramref name="least"/> to <paramref name="most"/>, with a decimal point if need be
    /// (<c>0.5</c>); never NaN nor infinite.
    /// </summary>
    public static Option<double> Seconds(string name, string description, double defaultValue, double least, double most)
    {
        var option = new Option<double>(name) { Description = $"{description} ({Text(least)} to {Text(most)} s)", DefaultValueFactory = _ => defaultValue };
        option.CustomParser = result => ParseSeconds(result, name, least, most) ?? defaultValue;
        return option;
    }

    /// <summary>As <see cref="Seconds"/>, for an option that is off unless given.</summary>
    public static Option<double?> OptionalSeconds(string name, string description, double least, double most)
    {
        var option = new Option<double?>(name) { Description = $"{description} ({Text(least)} to {Text(most)} s)" };
        option.CustomParser = result => ParseSeconds(result, name, least, most);
        return option;
    }

    /// <summary>
    /// N/SECONDS: a whole number of events from 1 to <paramref name="most"/> within a number of seconds from 0.001 to
    /// <paramref name="longest"/> (<c>10/1</c>, <c>100/0.5</c>); absent unless given.
    /// </summary>
    public static Option<(int Count, double Seconds)?> PerInterval(string name, string description, int most, double longest)
    {
        var option = new Option<(int Count, double Seconds)?>(name) { Description = $"{description} (N/SECONDS: N from 1 to {most}, SECONDS from 0.001 to {Text(longest)})" };
        option.CustomParser = result =>
        {
            string text = result.Tokens.Count > 0 ? result.Tokens[^1].Value : "";
            string[] parts = text.Split('/');
            if (parts.Length == 2
                && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int count) && count >= 1 && count <= most
                && double.TryParse(parts[1], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double seconds)
                && double.IsFinite(seconds) && seconds >= 0.001 && seconds <= longest)
            {
                return (count, seconds);
            }
            result.AddError($"{name}: '{text}' is not N/SECONDS with N a whole number from 1 to {most} and SECONDS from 0.001 to {Text(longest)}");
            return null;
        };
        return option;
    }

    /// <summary>One of <paramref name="words"/>, listed in the help.</summary>
    public static Option<string> Choice(string name, string description, string defaultValue, IReadOnlyList<string> words)
    {
        var option = new Option<string>(name) { Description = description, DefaultValueFactory = _ => defaultValue };
        option.CustomParser = result =>
        {
            string text = result.Tokens.Count > 0 ? result.Tokens[^1].Value : "";
            if (words.Contains(text, StringComparer.OrdinalIgnoreCase))
            {
                return text.ToLowerInvariant();
            }
            result.AddError($"{name}: '{text}' is not one of {string.Join(", ", words)}");
            return defaultValue;
        };
        option.CompletionSources.Add(words.ToArray());
        return option;
    }

    /// <summary>An option whose value is one of an enum's names, in lower case.</summary>
    public static Option<string> Choice<T>(string name, string description, T defaultValue) where T : struct, Enum =>
        Choice(name, description, Names.Of(defaultValue), [.. Enum.GetValues<T>().Select(Names.Of)]);

    /// <summary>
    /// A word <paramref name="parse"/> makes sense of, such as a signal's name (null: it does not, and the line says
    /// the value <paramref name="expected"/>); absent unless given.
    /// </summary>
    public static Option<T?> Parsed<T>(string name, string description, Func<string, T?> parse, string expected, params string[] aliases) where T : struct
    {
        var option = new Option<T?>(name, aliases) { Description = description };
        option.CustomParser = result => ParseWord(result, result.Tokens.Count > 0 ? result.Tokens[^1].Value : "", name, parse, expected);
        return option;
    }

    /// <summary>As <see cref="Parsed"/>, for an option that may be given again and again: every value, in order.</summary>
    public static Option<T[]> ParsedList<T>(string name, string description, Func<string, T?> parse, string expected, params string[] aliases) where T : struct
    {
        var option = new Option<T[]>(name, aliases) { Description = description, DefaultValueFactory = _ => [] };
        option.CustomParser = result =>
            [.. result.Tokens.Select(token => ParseWord(result, token.Value, name, parse, expected)).OfType<T>()];
        return option;
    }

    private static T? ParseWord<T>(System.CommandLine.Parsing.ArgumentResult result, string text, string name, Func<string, T?> parse, string expected) where T : struct
    {
        if (parse(text) is { } value)
        {
            return value;
        }
        result.AddError($"{name}: '{text}' is not {expected}");
        return null;
    }

    private static int? ParseWhole(System.CommandLine.Parsing.ArgumentResult result, string name, int least, int most)
    {
        string text = result.Tokens.Count > 0 ? result.Tokens[^1].Value : "";
        if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long value) && value >= least && value <= most)
        {
            return (int)value;
        }
        result.AddError($"{name}: '{text}' is not a whole number from {least} to {most}");
        return null;
    }

    private static double? ParseSeconds(System.CommandLine.Parsing.ArgumentResult result, string name, double least, double most)
    {
        string text = result.Tokens.Count > 0 ? result.Tokens[^1].Value : "";
        if (double.TryParse(text, NumberStyles.AllowDecimalPoint | NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out double value)
            && double.IsFinite(value) && value >= least && value <= most)
        {
            return value;
        }
        result.AddError($"{name}: '{text}' is not a number of seconds from {Text(least)} to {Text(most)}");
        return null;
    }

    private static string Text(double seconds) => seconds.ToString("0.###", CultureInfo.InvariantCulture);
}
