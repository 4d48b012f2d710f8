using System.Diagnostics;
using System.Reflection;

namespace ForkServer.Tests.Support;

/// <summary>Where the executables under test are: the JIT builds next to the sources, the NativeAOT one in artifacts/.</summary>
public static class Binaries
{
    public static string RepoRoot { get; } = FindRepoRoot();

    private static readonly string Configuration =
        typeof(Binaries).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "Configuration").Value!;

    public static string Server => Path.Combine(RepoRoot, "src", "ForkServer", "bin", Configuration, "net10.0", "forkserver");

    public static string Client => Path.Combine(RepoRoot, "src", "Clients", "bin", Configuration, "net10.0", "forkclient");

    /// <summary>The executable for <paramref name="build"/>; the NativeAOT one is published on first use.</summary>
    public static string ServerFor(Build build) => build == Build.Jit ? Server : AotServer.Value;

    private static readonly Lazy<string> AotServer = new(() => PublishAot("ForkServer", "forkserver"));

    private static string PublishAot(string project, string name)
    {
        string output = Path.Combine(RepoRoot, "artifacts", "aot", "linux-x64");
        string binary = Path.Combine(output, name);
        // A binary older than any source file (its own project's or the shared one's) would test yesterday's code; the build tool republishes it too.
        string sources = Path.Combine(RepoRoot, "src", project);
        bool stale = !File.Exists(binary) || new[] { sources, Path.Combine(RepoRoot, "src", "Shared") }
            .SelectMany(d => Directory.EnumerateFiles(d, "*.cs*", SearchOption.AllDirectories))
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}"))
            .Any(f => File.GetLastWriteTimeUtc(f) > File.GetLastWriteTimeUtc(binary));
        if (stale)
        {
            var publish = Process.Start(new ProcessStartInfo("dotnet",
                ["publish", Path.Combine(sources, $"{project}.csproj"), "-c", "Release", "-r", "linux-x64", "-p:PublishAot=true", "-o", output, "--nologo", "-v", "quiet"])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            })!;
            string log = publish.StandardOutput.ReadToEnd() + publish.StandardError.ReadToEnd();
            publish.WaitForExit();
            if (publish.ExitCode != 0)
            {
                throw new InvalidOperationException($"NativeAOT publish of {project} failed:\n{log}");
            }
        }
        return binary;
    }

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "ForkServer.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException("ForkServer.sln not found above " + AppContext.BaseDirectory);
    }
}

/// <summary>Which build of the server a test runs.</summary>
public enum Build
{
    Jit,
    Aot,
}
