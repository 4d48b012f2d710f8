using System.Net.Sockets;
using ForkServer.Server;

namespace ForkServer.Clients;

/// <summary>Connects to a server, turning a failure into one line on standard error instead of a stack trace.</summary>
public static class Connection
{
    public static Socket? Open(string host, int port)
    {
        try
        {
            var address = Listener.Resolve(host);
            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                socket.Connect(address, port);
                return socket;
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionRefused)
        {
            Console.Error.WriteLine($"forkclient: connection to {host}:{port} refused: no server is listening there (start one with: forkserver --port {port})");
        }
        catch (SocketException e)
        {
            Console.Error.WriteLine($"forkclient: cannot connect to {host}:{port}: {e.Message}");
        }
        catch (StartupException e)
        {
            Console.Error.WriteLine($"forkclient: {e.Message}");
        }
        return null;
    }
}
