using System.Text;
using ForkServer.Protocols;

namespace ForkServer.Clients;

/// <summary>
/// What one benchmark connection says and what it must hear back, byte for byte: a list of steps (send this, then
/// receive exactly that), and whether the server then closes. Built once, shared read-only by every client thread.
/// </summary>
public sealed record BenchExchange(string Description, IReadOnlyList<BenchStep> Steps, bool ServerCloses)
{
    public static BenchExchange Create(ProtocolKind protocol, string prefix, int rounds, int size) => protocol switch
    {
        ProtocolKind.Greet => new("greet", [new BenchStep([], GreetSession.Greeting.ToArray())], ServerCloses: true),
        _ => Echo(EchoSession.EncodePrefix(prefix), rounds, size),
    };

    private static BenchExchange Echo(byte[] prefix, int rounds, int size)
    {
        var steps = new BenchStep[rounds];
        for (int round = 0; round < rounds; round++)
        {
            // Each round sends different letters, so a reply that belongs to an earlier round cannot pass the check.
            var request = new byte[size];
            for (int i = 0; i < size; i++)
            {
                request[i] = (byte)('a' + (round + i) % 26);
            }
            steps[round] = new BenchStep(request, [.. prefix, .. request]);
        }
        string description = $"echo, {rounds} round{(rounds == 1 ? "" : "s")} of {size} bytes, prefix '{Encoding.UTF8.GetString(prefix)}'";
        return new(description, steps, ServerCloses: false);
    }

    /// <summary>The longest reply of any step: the size of the receive buffer a client thread needs.</summary>
    public int LongestReply => Steps.Max(s => s.Reply.Length);
}

/// <summary>One request (possibly empty: the greeting comes unasked) and the exact reply it must get.</summary>
public sealed record BenchStep(byte[] Request, byte[] Reply);
