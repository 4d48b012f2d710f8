namespace ForkServer.Logging;

/// <summary>A named value an event carries, written as its own key in JSON logs.</summary>
public readonly record struct LogField(string Key, object? Value);
