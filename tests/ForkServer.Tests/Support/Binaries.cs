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

    /// <summary>
    /// The executable for <paramref name="build"/>; the NativeAOT one is published on first use, and so is the optimized
    /// JIT one when the tests themselves are a Debug build.
    /// </summary>
    public static string ServerFor(Build build) => build switch
    {
        Build.Jit => Server,
        Build.JitOptimized => Configuration == "Release" ? Server : OptimizedServer.Value,
        _ => AotServer.Value,
    };

    private static readonly Lazy<string> AotServer = new(() => Fresh("ForkServer", Path.Combine("artifacts", "aot", "linux-x64"), "forkserver",
        ["publish", "-r", "linux-x64", "-p:PublishAot=true"]));

    private static readonly Lazy<string> OptimizedServer = new(() => Fresh("ForkServer", Path.Combine("src", "ForkServer", "bin", "Release", "net10.0"), "forkserver",
        ["build"]));

    // One build at a time: both build the shared project in Release, into the same obj directory.
    private static readonly Lock ReleaseBuild = new();

    /// <summary>The binary <paramref name="name"/> of <paramref name="project"/>, built again in Release with <paramref name="command"/> if it is stale.</summary>
    private static string Fresh(string project, string outputDirectory, string name, string[] command)
    {
        lock (ReleaseBuild)
        {
            return FreshNow(project, outputDirectory, name, command);
        }
    }

    private static string FreshNow(string project, string outputDirectory, string name, string[] command)
    {
        string output = Path.Combine(RepoRoot, outputDirectory);
        string binary = Path.Combine(output, name);
        // A binary older than any file of its project's or the shared project's (sources, project file, ChildPath.order)
        // would test yesterday's code; the build tool republishes it too.
        string sources = Path.Combine(RepoRoot, "src", project);
        bool stale = !File.Exists(binary) || new[] { sources, Path.Combine(RepoRoot, "src", "Shared") }
            .SelectMany(d => Directory.EnumerateFiles(d, "*", SearchOption.AllDirectories))
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}") && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}"))
            .Any(f => File.GetLastWriteTimeUtc(f) > File.GetLastWriteTimeUtc(binary));
        if (stale)
        {
            var build = Process.Start(new ProcessStartInfo("dotnet",
                [command[0], Path.Combine(sources, $"{project}.csproj"), "-c", "Release", .. command[1..], "-o", output, "--nologo", "-v", "quiet"])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            })!;
            string log = build.StandardOutput.ReadToEnd() + build.StandardError.ReadToEnd();
            build.WaitForExit();
            if (build.ExitCode != 0)
            {
                throw new InvalidOperationException($"dotnet {command[0]} of {project} in Release failed:\n{log}");
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
    /// <summary>The JIT build in the tests' own configuration.</summary>
    Jit,

    /// <summary>
    /// The JIT build in Release, whatever the tests' configuration: there the JIT inlines, which changes what a warm-up
    /// compiles for a forked child.
    /// </summary>
    JitOptimized,

    Aot,
}
