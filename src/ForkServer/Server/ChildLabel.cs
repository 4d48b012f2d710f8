using ForkServer.Interop;

namespace ForkServer.Server;

/// <summary>
/// What a child is for, as the log names it: a role (<c>worker</c>) or the client it serves. The client is kept
/// as its address and becomes text only when a line is written, so the forking parent allocates nothing per client.
/// </summary>
public readonly struct ChildLabel
{
    private readonly string? _role;
    private readonly PeerAddress _client;

    private ChildLabel(string? role, PeerAddress client)
    {
        _role = role;
        _client = client;
    }

    public static ChildLabel Serving(PeerAddress client) => new(null, client);

    public static implicit operator ChildLabel(string role) => new(role, default);

    /// <summary>The role, or the client as 127.0.0.1:50007 or [::1]:50007.</summary>
    public override string ToString() => _role ?? Listener.Format(_client.ToEndPoint());
}
