namespace ForkServer.Cli;

/// <summary>
/// A command cannot start as asked, for a reason the user can fix (an option, a host, a port in use); the message is
/// the one line to show them, and the process exits with <see cref="ExitCodes.CannotStart"/>.
/// </summary>
public sealed class StartupException(string message) : Exception(message);
