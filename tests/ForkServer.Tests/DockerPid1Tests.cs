using System.Diagnostics;
using ForkServer.Tests.Support;

namespace ForkServer.Tests;

/// <summary>
/// The server as a container's first process, without <c>--init</c>: PID 1 of its own PID namespace, so every orphan
/// in the container becomes its child and it alone can reap them. Run by <c>./build.sh DockerTest</c>, which builds the
/// image and names it in FORKSERVER_DOCKER_IMAGE. Everything is looked at from inside the container (docker exec),
/// so the test runs wherever a Docker engine does.
/// </summary>
[Trait("Category", "Docker")]
public sealed class DockerPid1Tests
{
    private const string Server = "/src/artifacts/aot/linux-x64/forkserver";
    private const int Port = 50007;

    [Fact]
    public void ServerAsTheContainersFirstProcessIsPid1ServesAndReapsTheOrphansItAdopts()
    {
        string? image = Environment.GetEnvironmentVariable("FORKSERVER_DOCKER_IMAGE");
        Assert.SkipWhen(image is null, "needs the test image: run ./build.sh DockerTest, which builds it and sets FORKSERVER_DOCKER_IMAGE");
        string name = $"forkserver-pid1-{Guid.NewGuid():N}";
        try
        {
            using var server = ServerProcess.Launch("docker",
                ["run", "--rm", "--name", name, "--entrypoint", Server, image!, "--port", Port.ToString(), "--log", "json"]);
            server.WaitForLine(l => l.Contains("listening on"), TimeSpan.FromSeconds(60));

            // PID 1 is the server itself, not docker-init or a shell.
            Assert.StartsWith("1 (forkserver) ", Exec(name, "cat", "/proc/1/stat"));

            Assert.Equal("you send:hello", Exec(name, "sh", "-c", $"printf hello | nc -q 1 127.0.0.1 {Port}"));
            server.WaitForLine(l => l.Contains("\"reaped\"") && l.Contains("exited with status 0"), TimeSpan.FromSeconds(10));

            // The shell docker exec starts exits at once; its background sleep is orphaned and adopted by PID 1.
            int orphan = int.Parse(Exec(name, "sh", "-c", "sleep 2 >/dev/null 2>&1 & echo $!"));
            Assert.True(Wait.Until(() => ParentInContainer(name, orphan) is 1 or null, TimeSpan.FromSeconds(10)),
                $"orphan {orphan} was not adopted by PID 1");
            server.WaitForLine(l => l.Contains($"reaped orphan {orphan} "), TimeSpan.FromSeconds(15));
            Assert.Null(ParentInContainer(name, orphan));
            Assert.DoesNotContain(" Z ", Exec(name, "sh", "-c", "cat /proc/[0-9]*/stat"));
        }
        finally
        {
            Docker("rm", "-f", name);
        }
    }

    /// <summary>The parent pid of a process in the container, or null once it is gone (reaped, not a zombie).</summary>
    private static int? ParentInContainer(string container, int pid)
    {
        var (status, stat) = Docker("exec", container, "cat", $"/proc/{pid}/stat");
        return status == 0 ? int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[1]) : null;
    }

    private static string Exec(string container, params string[] command)
    {
        var (status, output) = Docker(["exec", container, .. command]);
        Assert.True(status == 0, $"docker exec {string.Join(' ', command)} failed ({status}): {output}");
        return output;
    }

    private static (int Status, string Output) Docker(params string[] args)
    {
        var info = new ProcessStartInfo("docker") { RedirectStandardOutput = true, RedirectStandardError = true };
        args.ToList().ForEach(info.ArgumentList.Add);
        using var docker = Process.Start(info)!;
        var error = docker.StandardError.ReadToEndAsync();
        string output = docker.StandardOutput.ReadToEnd();
        docker.WaitForExit();
        return (docker.ExitCode, (output + error.Result).Trim());
    }
}
