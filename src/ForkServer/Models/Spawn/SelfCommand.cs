namespace ForkServer.Models.Spawn;

/// <summary>How this program starts itself again, in the hidden role a spawn-model server gives its children.</summary>
public static class SelfCommand
{
    /// <summary>The command's name for the role; hidden from the help.</summary>
    public const string SpawnedChild = "spawned-child";

    /// <summary>
    /// The file to run and the words before the role: on Linux /proc/self/exe, the very file this process runs even
    /// if it was replaced or deleted since; elsewhere the executable's path. Started as <c>dotnet forkserver.dll</c>,
    /// the host needs the assembly again.
    /// </summary>
    public static (string Path, List<string> Leading) Get()
    {
        string process = Environment.ProcessPath!;
        var leading = new List<string> { process };
        if (Path.GetFileNameWithoutExtension(process) == "dotnet")
        {
            leading.Add(Path.Combine(AppContext.BaseDirectory, "forkserver.dll"));
        }
        return (OperatingSystem.IsLinux() ? "/proc/self/exe" : process, leading);
    }
}
