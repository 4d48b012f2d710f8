using ForkServer.Tests.Support;

namespace ForkServer.Tests;

/// <summary>
/// 50 clients connected at once: the select model serves them all from one thread (its thread count does not move),
/// the thread model with a thread each (its thread count grows by at least 50).
/// </summary>
[Trait("Category", "Linux")]
public sealed class ManyClientsTests
{
    private const int Clients = 50;

    [Fact]
    public void SelectServesFiftyConcurrentClientsFromOneThread()
    {
        using var server = ServerProcess.Start("--model", "select", "--prefix", "", "--quiet");
        int before = ThreadsAfterOneSession(server);
        var clients = ConnectAndExchange(server.Port);
        try
        {
            Assert.Equal(before, ProcFs.Threads(server.Pid));
            // Each connected client is still served: a second round goes through while all 50 are open.
            for (int i = 0; i < Clients; i++)
            {
                Assert.Equal($"again {i}", clients[i].Exchange($"again {i}", $"again {i}"));
            }
            Assert.Equal(before, ProcFs.Threads(server.Pid));
        }
        finally
        {
            clients.ForEach(c => c.Dispose());
        }
    }

    [Fact]
    public void SelectStopsOnALineOnItsStandardInput()
    {
        using var server = ServerProcess.Start("--model", "select");
        using var client = new TcpClientSession(server.Port);
        Assert.Equal("you send:x", client.Exchange("x", "you send:x"));
        server.StandardInput.Write("stop");
        server.StandardInput.Flush();
        Assert.False(Wait.Until(() => server.HasExited, TimeSpan.FromSeconds(1)), "stopped before the line was complete");
        server.StandardInput.Write("\n");
        server.StandardInput.Flush();
        Assert.Equal(0, server.WaitForExit(TimeSpan.FromSeconds(20)));
        Assert.True(client.ServerClosed());
        Assert.Contains(server.Output, l => l.Contains("a line on standard input"));
    }

    [Fact]
    public void ThreadModelServesFiftyConcurrentClientsWithAThreadEach()
    {
        using var server = ServerProcess.Start("--model", "thread", "--prefix", "", "--quiet");
        int before = ProcFs.Threads(server.Pid);
        var clients = ConnectAndExchange(server.Port);
        try
        {
            Assert.True(ProcFs.Threads(server.Pid) >= before + Clients, $"{ProcFs.Threads(server.Pid)} threads, {before} before {Clients} clients");
        }
        finally
        {
            clients.ForEach(c => c.Dispose());
        }
        // A thread whose client leaves ends with it.
        Assert.True(Wait.Until(() => ProcFs.Threads(server.Pid) <= before, TimeSpan.FromSeconds(20)), "client threads did not end");
    }

    /// <summary>The server's thread count once it has served a client, so one-time start-up threads are counted.</summary>
    private static int ThreadsAfterOneSession(ServerProcess server)
    {
        using (var first = new TcpClientSession(server.Port))
        {
            Assert.Equal("warm", first.Exchange("warm", "warm"));
        }
        return ProcFs.Threads(server.Pid);
    }

    private static List<TcpClientSession> ConnectAndExchange(int port)
    {
        var clients = new List<TcpClientSession>();
        try
        {
            for (int i = 0; i < Clients; i++)
            {
                clients.Add(new TcpClientSession(port));
            }
            for (int i = 0; i < Clients; i++)
            {
                Assert.Equal($"client {i}", clients[i].Exchange($"client {i}", $"client {i}"));
            }
            return clients;
        }
        catch
        {
            clients.ForEach(c => c.Dispose());
            throw;
        }
    }
}
