[assembly: ForkServer.Tests.Support.LinuxOnly]
