namespace ForkServer.Server;

/// <summary>
/// The server cannot start as asked, for a reason the user can fix; the message is the one line to show them,
/// and the process exits with <see cref="ExitCodes.CannotStart"/>.
/// </summary>
public sealed class StartupException(string message) : Exception(message);
