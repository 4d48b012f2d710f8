using ForkServer.Tests.Support;

namespace ForkServer.Tests;

/// <summary>
/// <c>forkserver init</c> as a container's entrypoint, without <c>--init</c>: PID 1 of the container, it reaps the
/// orphan COMMAND leaves and exits with COMMAND's status, which <c>docker run</c> passes on. Run by
/// <c>./build.sh DockerTest</c>, which builds the image and names it in FORKSERVER_DOCKER_IMAGE.
/// </summary>
[Trait("Category", "Docker")]
public sealed class DockerInitTests
{
    private const string Server = "/src/artifacts/aot/linux-x64/forkserver";

    [Fact]
    public void InitAsTheEntrypointIsPid1ReapsTheOrphanAndExitsWithTheCommandsStatus()
    {
        string? image = Environment.GetEnvironmentVariable("FORKSERVER_DOCKER_IMAGE");
        Assert.SkipWhen(image is null, "needs the test image: run ./build.sh DockerTest, which builds it and sets FORKSERVER_DOCKER_IMAGE");
        // The orphan sleep ends while COMMAND still runs; then COMMAND lists every process's stat line and exits 3.
        var run = ProgramRun.Of("docker", ["run", "--rm", "--entrypoint", Server, image!, "init", "-w", "--",
            "sh", "-c", "sh -c 'sleep 0.5 & exit 0'; sleep 3; cat /proc/[0-9]*/stat; exit 3"]);
        Assert.True(run.ExitCode == 3, run.Transcript());
        Assert.Contains(run.Output, l => l.StartsWith("1 (forkserver) ", StringComparison.Ordinal));
        Assert.DoesNotContain(run.Output, l => l.Contains(") Z ", StringComparison.Ordinal));
        Assert.Contains(run.Errors, l => l.Contains("reaped zombie process", StringComparison.Ordinal));
    }
}
