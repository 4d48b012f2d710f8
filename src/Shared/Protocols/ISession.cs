namespace ForkServer.Protocols;

/// <summary>
/// One client's conversation, as pure byte-in/byte-out steps with no I/O of its own. Every concurrency model drives
/// the same sessions: a forked child or a thread with blocking calls (<see cref="BlockingSessionRunner"/>), the select
/// loop one readiness event at a time. So a protocol is written once and behaves the same under every model.
/// </summary>
public interface ISession
{
    /// <summary>What to send as soon as the client is connected (may be empty).</summary>
    Reply Open();

    /// <summary>What to send back for one chunk the client sent, as one recv(2) returned it.</summary>
    Reply Receive(ReadOnlySpan<byte> data);

    /// <summary>Back to the state of a new session, for a worker that serves client after client with one session object.</summary>
    void Reset();
}
