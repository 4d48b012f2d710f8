using System.CommandLine;

namespace ForkServer.Cli;

/// <summary>The options every command that listens has about root: become a user after binding, or insist on staying root.</summary>
public static class UserOptions
{
    public static Option<string?> User() =>
        new("--user") { Description = "Started as root: become this user (and its groups) after binding, before serving" };

    public static Option<bool> AllowRoot() =>
        new("--allow-root") { Description = "Serve a non-loopback address as root without --user" };
}
