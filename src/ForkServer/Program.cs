using System.CommandLine;
using System.Runtime.CompilerServices;
using System.Text;
using ForkServer.Cli;
using ForkServer.Interop;

try
{
    return Run(args);
}
catch (Exception e) when (e is FileNotFoundException or FileLoadException or TypeInitializationException)
{
    // Only the core library here: the program's other files are what could not be opened.
    using var error = new FileStream(new Microsoft.Win32.SafeHandles.SafeFileHandle(2, ownsHandle: false), FileAccess.Write, bufferSize: 0);
    error.Write(Encoding.UTF8.GetBytes(CannotLoad(e) + "\n"));
    return 1;
}

// A method of its own, so that the assemblies it needs are loaded when it is called, inside the try above.
[MethodImpl(MethodImplOptions.NoInlining)]
static int Run(string[] args)
{
    // With no command, forkserver serves: `forkserver` alone is the tutorial's forking echo server on 127.0.0.1:50007.
    var root = ServeCommand.Configure(new RootCommand("ForkServer: a Unix fork-per-connection server to learn from, and to run as PID 1"));
    root.Subcommands.Add(ServeCommand.Configure(new Command("serve", "Accept TCP clients and serve each one (what forkserver does with no command)")));
    root.Subcommands.Add(ExecCommand.Create());
    root.Subcommands.Add(UdpCommand.Create());
    root.Subcommands.Add(ChatCommand.Create());
    root.Subcommands.Add(DemoCommand.Create());
    root.Subcommands.Add(PsCommand.Create());
    root.Subcommands.Add(InitCommand.Create());
    root.Subcommands.Add(TimelineCommand.Create());
    root.Subcommands.Add(QuizCommand.Create());
    root.Subcommands.Add(SpawnedChildCommand.Create());
    return CommandLine.Run(root, "forkserver", args, CannotLoad);
}

// Under the JIT every assembly is a file opened on first use: a low limit on open files (prlimit --nofile) stops the
// program half-way, even before it can read its command line.
static string CannotLoad(Exception e)
{
    long limit = OperatingSystem.IsLinux() ? Posix.DescriptorLimit() : -1;
    string what = (e.InnerException ?? e).Message.Split('\n')[0].Trim();
    return limit is > 0 and < 256
        ? $"forkserver: cannot open its own files: the limit on open files is {limit}, and this build needs about 64 to start; raise it (ulimit -n 1024)"
        : $"forkserver: cannot open its own files: {what}";
}
