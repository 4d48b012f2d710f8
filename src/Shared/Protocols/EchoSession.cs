using System.Text;

namespace ForkServer.Protocols;

/// <summary>
/// The tutorial's echo: every chunk comes back behind a prefix ("you send:" in the forking server, "You Send:" in
/// the plain one, nothing in the threaded and select ones). A chunk that is exactly <c>q</c> or <c>Q</c> ends the
/// session; so does <c>q</c> followed by a line ending, which is what a line-oriented client such as nc sends. The
/// tutorial's select server has no quit word: with <paramref name="quitWord"/> false, <c>q</c> is echoed too.
/// </summary>
public sealed class EchoSession(byte[] prefix, int maxMessage, bool quitWord = true) : ISession
{
    /// <summary>The prefix of the tutorial's forking server, the default one.</summary>
    public const string ForkingPrefix = "you send:";

    // Allocated once per session, so a forked child serves its client without allocating per message.
    private readonly byte[] _reply = new byte[prefix.Length + maxMessage];

    public static byte[] EncodePrefix(string prefix) => Encoding.UTF8.GetBytes(prefix);

    public Reply Open() => Reply.None;

    // No state to forget: every chunk is answered on its own.
    public void Reset()
    {
    }

    public Reply Receive(ReadOnlySpan<byte> data)
    {
        if (quitWord && IsQuit(data))
        {
            return Reply.End;
        }
        prefix.CopyTo(_reply, 0);
        data.CopyTo(_reply.AsSpan(prefix.Length));
        return new Reply(_reply.AsMemory(0, prefix.Length + data.Length), Close: false);
    }

    // A plain loop, not TrimEnd: its vectorized search reads constants from a page of the executable that every forked
    // child would fault in for this one call.
    public static bool IsQuit(ReadOnlySpan<byte> data)
    {
        int end = data.Length;
        while (end > 0 && data[end - 1] is (byte)'\r' or (byte)'\n')
        {
            end--;
        }
        return end == 1 && data[0] is (byte)'q' or (byte)'Q';
    }
}
