using Tmds.Linux;

namespace ForkServer.Interop;

/// <summary>The signal numbers the server deals with, under the names <c>man 7 signal</c> uses.</summary>
public static class Signals
{
    public static int SIGINT => LibC.SIGINT;
    public static int SIGKILL => LibC.SIGKILL;
    public static int SIGTERM => LibC.SIGTERM;
    public static int SIGCHLD => LibC.SIGCHLD;

    /// <summary>"SIGTERM" for 15, as the server's log names signals.</summary>
    public static string Name(int signal) => Mono.Unix.Native.NativeConvert.ToSignum(signal).ToString();
}
