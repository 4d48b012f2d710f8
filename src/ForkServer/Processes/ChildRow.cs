using System.Globalization;

namespace ForkServer.Processes;

/// <summary>
/// One line of a server's children table, laid out the same wherever it is printed: by <c>forkserver ps</c>, which
/// reads it from /proc, and by the server's own status dump on SIGUSR1.
/// </summary>
public readonly record struct ChildRow(int Pid, string State, TimeSpan Age, string Client)
{
    public static string Header { get; } = string.Create(CultureInfo.InvariantCulture, $"{"PID",7}  {"STATE",-14}  {"AGE",9}  CLIENT");

    public string Format() => string.Create(CultureInfo.InvariantCulture, $"{Pid,7}  {State,-14}  {Elapsed(Age),9}  {Client}");

    /// <summary>[[dd-]hh:]mm:ss, as ps prints ELAPSED.</summary>
    private static string Elapsed(TimeSpan age) =>
        age.Days > 0 ? age.ToString(@"d\-hh\:mm\:ss", CultureInfo.InvariantCulture)
        : age.Hours > 0 ? age.ToString(@"hh\:mm\:ss", CultureInfo.InvariantCulture)
        : age.ToString(@"mm\:ss", CultureInfo.InvariantCulture);
}
