using Tmds.Linux;

namespace ForkServer.Interop;

public static partial class Posix
{
    /// <summary>sigaction(2) with SIG_DFL or SIG_IGN as the handler and an empty mask.</summary>
    public static unsafe void SetSignalDisposition(int signal, SignalDisposition disposition)
    {
        sigaction action = default;
        action.sa_handler = disposition == SignalDisposition.Ignore ? LibC.SIG_IGN : LibC.SIG_DFL;
        LibC.sigemptyset(&action.sa_mask);
        if (LibC.sigaction(signal, &action, null) != 0)
        {
            Failed("sigaction");
        }
    }
}
