using System.Globalization;
using System.Text;
using ForkServer.Cli;
using ForkServer.Logging;
using ForkServer.Protocols;
using ForkServer.Sessions;

namespace ForkServer.Models.Spawn;

/// <summary>
/// How a spawn-model server tells the program it starts how to serve: one environment variable, never the command
/// line, so no value (a <c>--prefix</c> of <c>@bot&gt; </c>, say, which System.CommandLine would take for a response
/// file) can become an option. Each value is base64, so no character of it can break the format.
/// </summary>
public static class SpawnSettings
{
    public const string Variable = "FORKSERVER_SPAWNED_SESSION";

    public static string Encode(SessionFactory sessions, LogFormat log, bool quiet) => string.Join(';',
        Pair("protocol", Names.Of(sessions.Protocol)),
        Pair("prefix", sessions.Prefix),
        Pair("max-message", sessions.MaxMessage.ToString(CultureInfo.InvariantCulture)),
        Pair("idle-timeout", sessions.IdleTimeout.TotalSeconds.ToString("R", CultureInfo.InvariantCulture)),
        Pair("session-timeout", sessions.SessionTimeout.TotalSeconds.ToString("R", CultureInfo.InvariantCulture)),
        Pair("quit", sessions.QuitWord ? "q" : "none"),
        Pair("listener-timeouts", sessions.ListenerTimeouts ? "1" : "0"),
        Pair("log", Names.Of(log)),
        Pair("quiet", quiet ? "1" : "0"));

    /// <summary>The settings in <paramref name="text"/>; a <see cref="StartupException"/> when they are missing or malformed.</summary>
    public static (SessionFactory Sessions, LogFormat Log, bool Quiet) Decode(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            throw new StartupException($"spawned-child is started by a spawn-model server, which sets {Variable}; it is not a command to run by hand");
        }
        try
        {
            var values = text.Split(';').Select(p => p.Split('=', 2)).ToDictionary(p => p[0], p => Encoding.UTF8.GetString(Convert.FromBase64String(p[1])));
            var sessions = new SessionFactory(
                Names.Parse<ProtocolKind>(values["protocol"]),
                values["prefix"],
                int.Parse(values["max-message"], CultureInfo.InvariantCulture),
                TimeSpan.FromSeconds(double.Parse(values["idle-timeout"], CultureInfo.InvariantCulture)),
                TimeSpan.FromSeconds(double.Parse(values["session-timeout"], CultureInfo.InvariantCulture)),
                values["quit"] == "q")
            {
                ListenerTimeouts = values["listener-timeouts"] == "1",
            };
            return (sessions, Names.Parse<LogFormat>(values["log"]), values["quiet"] == "1");
        }
        catch (Exception e) when (e is FormatException or KeyNotFoundException or IndexOutOfRangeException or ArgumentException or OverflowException)
        {
            throw new StartupException($"{Variable} is malformed ({e.Message})");
        }
    }

    private static string Pair(string key, string value) => $"{key}={Convert.ToBase64String(Encoding.UTF8.GetBytes(value))}";
}
