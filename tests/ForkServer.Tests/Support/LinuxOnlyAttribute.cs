using System.Reflection;
using Xunit.v3;

namespace ForkServer.Tests.Support;

/// <summary>
/// Skips, with the reason, every test of the category <c>Linux</c> (fork, /proc, PID namespaces) on any other system;
/// applied once to the whole assembly, so a test only has to carry <c>[Trait("Category", "Linux")]</c>. On a Mac or
/// Windows machine, run those tests in a container: <c>./build.sh DockerTest</c>.
/// </summary>
[AttributeUsage(AttributeTargets.Assembly)]
public sealed class LinuxOnlyAttribute : BeforeAfterTestAttribute
{
    public override void Before(MethodInfo methodUnderTest, IXunitTest test)
    {
        bool linuxOnly = test.Traits.TryGetValue("Category", out var categories) && categories.Contains("Linux");
        Assert.SkipWhen(linuxOnly && !OperatingSystem.IsLinux(),
            $"needs Linux (fork, /proc, PID namespaces) and this is {System.Runtime.InteropServices.RuntimeInformation.OSDescription}; run ./build.sh DockerTest");
    }
}
