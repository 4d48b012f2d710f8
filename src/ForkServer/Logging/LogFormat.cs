namespace ForkServer.Logging;

/// <summary>How <see cref="EventLog"/> writes an event: a line for people or a JSON object per line for scripts.</summary>
public enum LogFormat
{
    Text,
    Json,
}
