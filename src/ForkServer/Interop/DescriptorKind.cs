namespace ForkServer.Interop;

/// <summary>What an open descriptor refers to, from the file type bits of fstat(2)'s st_mode.</summary>
public enum DescriptorKind
{
    /// <summary>Not open (EBADF).</summary>
    Closed,
    Pipe,
    Terminal,
    CharacterDevice,
    Socket,
    File,
    Other,
}
