namespace ForkServer.Protocols;

/// <summary>The ports the tutorial's programs use, so each command defaults to its program's.</summary>
public static class TutorialPorts
{
    public const int Greeting = 8090;
    public const int Echo = 5090;
    public const int UdpEcho = 5000;
    public const int Chat = 5000;
    public const int Select = 50000;
    public const int Forking = 50007;
    public const int Threaded = 5300;
}
