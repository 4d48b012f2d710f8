// ForkServer's build targets. Thin on purpose: each task calls dotnet or docker, and what the product does stays in
// the product and its tests. Run through the wrappers at the root: ./build.sh [Target] [--option value].
//
//   Clean        removes bin/, obj/ and artifacts/
//   Restore      restores the solution's packages
//   Build        builds the solution                                     (Restore)
//   Test         runs every test                                         (Build)
//   Publish      NativeAOT forkserver and forkclient in artifacts/aot/RID (Build)
//   WindowsBuild builds both executables for win-x64, to keep the spawn path compiling (Restore)
//   DockerImage  the image with the Linux-only tests                     (needs a Docker engine)
//   DockerTest   the Linux-only tests in a container, then the server as a container's PID 1 (DockerImage, Build)
//   Default      Test
//
// Options: --configuration Release|Debug, --runtime linux-x64 (Publish), --base-image official|local|IMAGE (Docker).

var target = Argument("target", "Default");
var configuration = Argument("configuration", "Release");
var runtime = Argument("runtime", "linux-x64");
var baseImageChoice = Argument("base-image", "official");

var root = Context.Environment.WorkingDirectory.Combine("..").Collapse();
var solution = root.CombineWithFilePath("ForkServer.sln");
var artifacts = root.Combine("artifacts");
var tests = root.CombineWithFilePath("tests/ForkServer.Tests/ForkServer.Tests.csproj");

// The image the Dockerfile builds on: the official SDK image by default, or the one scripts/make-base-image.sh makes
// from Debian's packages where no registry image can be pulled.
const string OfficialBaseImage = "mcr.microsoft.com/dotnet/sdk:10.0";
const string LocalBaseImage = "forkserver-base:local";
const string TestImage = "forkserver-tests:latest";
var baseImage = baseImageChoice switch
{
    "official" => OfficialBaseImage,
    "local" => LocalBaseImage,
    _ => baseImageChoice,
};

Task("Clean").Does(() =>
{
    var deleteAll = new DeleteDirectorySettings { Recursive = true, Force = true };
    DeleteDirectories(GetDirectories(root.FullPath + "/{src,tests}/*/{bin,obj}"), deleteAll);
    if (DirectoryExists(artifacts))
    {
        DeleteDirectory(artifacts, deleteAll);
    }
});

Task("Restore").Does(() => DotNetRestore(solution.FullPath));

Task("Build").IsDependentOn("Restore").Does(() =>
    DotNetBuild(solution.FullPath, new DotNetBuildSettings { Configuration = configuration, NoRestore = true }));

Task("Test").IsDependentOn("Build").Does(() =>
    DotNetTest(solution.FullPath, new DotNetTestSettings { Configuration = configuration, NoBuild = true }));

// The same command and place as tests/ForkServer.Tests/Support/Binaries.cs, so the tests find these binaries fresh
// and do not publish them again.
Task("Publish").IsDependentOn("Build").Does(() =>
{
    foreach (var project in new[] { "src/ForkServer/ForkServer.csproj", "src/Clients/Clients.csproj" })
    {
        DotNetPublish(root.CombineWithFilePath(project).FullPath, new DotNetPublishSettings
        {
            Configuration = "Release",
            Runtime = runtime,
            OutputDirectory = artifacts.Combine($"aot/{runtime}"),
            MSBuildSettings = new DotNetMSBuildSettings().WithProperty("PublishAot", "true"),
        });
    }
});

Task("WindowsBuild").IsDependentOn("Restore").Does(() =>
{
    foreach (var project in new[] { "src/ForkServer/ForkServer.csproj", "src/Clients/Clients.csproj" })
    {
        DotNetBuild(root.CombineWithFilePath(project).FullPath, new DotNetBuildSettings
        {
            Configuration = configuration,
            Runtime = "win-x64",
            OutputDirectory = artifacts.Combine("win-x64"),
        });
    }
});

Task("DockerImage").Does(() =>
{
    RequireDockerEngine();
    if (baseImage == LocalBaseImage && Docker("image", "inspect", LocalBaseImage) != 0)
    {
        throw new CakeException($"no image {LocalBaseImage}: make it first with scripts/make-base-image.sh");
    }
    Run("docker", "build", "--force-rm", "--build-arg", $"BASE_IMAGE={baseImage}", "-t", TestImage, "-f",
        root.CombineWithFilePath("Dockerfile").FullPath, root.FullPath);
});

Task("DockerTest").IsDependentOn("DockerImage").IsDependentOn("Build").Does(() =>
{
    // --init: tini is the test run's PID 1, so processes the tests orphan are reaped. SYS_ADMIN and no seccomp
    // filter let the tests make their own PID namespaces with unshare, as they do on a host. Docker opens every
    // port to every user; ports below 1024 are privileged again, as on a host, for the tests that say so.
    int inContainer = StartProcess("docker", new ProcessSettings
    {
        Arguments = ProcessArgumentBuilder.FromStrings(new[] { "run", "--rm", "--init", "--cap-add", "SYS_ADMIN", "--security-opt",
            "seccomp=unconfined", "--sysctl", "net.ipv4.ip_unprivileged_port_start=1024", TestImage }),
    });
    // The server as the first process of a container of that image, without --init, watched from this side; run
    // whatever the first run gave, so that one report has both.
    DotNetTest(tests.FullPath, new DotNetTestSettings
    {
        Configuration = configuration,
        NoBuild = true,
        Filter = "Category=Docker",
        EnvironmentVariables = { ["FORKSERVER_DOCKER_IMAGE"] = TestImage },
    });
    if (inContainer != 0)
    {
        throw new CakeException($"the Linux tests in the container failed (docker run exit code {inContainer})");
    }
});

Task("Default").IsDependentOn("Test");

RunTarget(target);

void RequireDockerEngine()
{
    if (Docker("version", "--format", "{{.Server.Version}}") != 0)
    {
        throw new CakeException("no Docker engine answers (docker version failed): start dockerd, or run the Linux tests on Linux with ./build.sh Test");
    }
}

int Docker(params string[] args) => StartProcess("docker", new ProcessSettings
{
    Arguments = ProcessArgumentBuilder.FromStrings(args),
    RedirectStandardOutput = true,
    RedirectStandardError = true,
});

void Run(string tool, params string[] args)
{
    int status = StartProcess(tool, new ProcessSettings { Arguments = ProcessArgumentBuilder.FromStrings(args) });
    if (status != 0)
    {
        throw new CakeException($"{tool} {args[0]} failed with exit code {status}");
    }
}
