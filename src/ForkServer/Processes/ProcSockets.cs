using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using ForkServer.Net;

namespace ForkServer.Processes;

/// <summary>
/// Which TCP peer a process is talking to, found the way <c>ss -tp</c> and <c>lsof</c> find it: the socket inodes
/// among its open descriptors (/proc/PID/fd), looked up in its network namespace's connection tables
/// (/proc/PID/net/tcp and tcp6). The server needs to tell nobody anything: a child's client is what its socket says.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public static class ProcSockets
{
    private const string Listen = "0A";

    /// <summary>"127.0.0.1:54321" for a child serving that client; null when it holds no connected TCP socket (a zombie holds none).</summary>
    public static string? PeerOf(int pid)
    {
        var inodes = SocketInodes(pid);
        if (inodes.Count == 0)
        {
            return null;
        }
        foreach (string table in new[] { "tcp", "tcp6" })
        {
            foreach (string line in ReadLines($"/proc/{pid}/net/{table}").Skip(1))
            {
                // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode ...
                string[] fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (fields.Length > 9 && fields[3] != Listen && inodes.Contains(fields[9]))
                {
                    return Addresses.Format(ParseEndPoint(fields[2]));
                }
            }
        }
        return null;
    }

    /// <summary>The inode numbers of the sockets among the process's descriptors ("socket:[12345]" links).</summary>
    private static HashSet<string> SocketInodes(int pid)
    {
        var inodes = new HashSet<string>();
        try
        {
            foreach (string fd in Directory.EnumerateFiles($"/proc/{pid}/fd"))
            {
                if (new FileInfo(fd).LinkTarget is { } target && target.StartsWith("socket:[", StringComparison.Ordinal))
                {
                    inodes.Add(target["socket:[".Length..^1]);
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Gone, or another user's process: nothing we may see.
        }
        return inodes;
    }

    private static IEnumerable<string> ReadLines(string path)
    {
        try
        {
            return File.ReadAllLines(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }

    /// <summary>
    /// "0100007F:D431" (IPv4) or 32 hex digits and a port (IPv6): the address is the kernel's in-memory bytes,
    /// written as 32-bit words in this machine's byte order; the port is a plain hex number.
    /// </summary>
    private static IPEndPoint ParseEndPoint(string text)
    {
        string[] parts = text.Split(':');
        var bytes = new byte[parts[0].Length / 2];
        for (int word = 0; word < bytes.Length / 4; word++)
        {
            uint value = uint.Parse(parts[0].AsSpan(word * 8, 8), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            if (BitConverter.IsLittleEndian)
            {
                BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(word * 4), value);
            }
            else
            {
                BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(word * 4), value);
            }
        }
        return new IPEndPoint(new IPAddress(bytes), int.Parse(parts[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture));
    }
}
