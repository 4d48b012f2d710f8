namespace ForkServer.Cli;

/// <summary>The lower-case words the command line and the log use for enums.</summary>
public static class Names
{
    public static string Of<T>(T value) where T : struct, Enum => value.ToString().ToLowerInvariant();

    public static T Parse<T>(string word) where T : struct, Enum => Enum.Parse<T>(word, ignoreCase: true);
}
