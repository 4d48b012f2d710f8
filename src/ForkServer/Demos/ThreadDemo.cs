namespace ForkServer.Demos;

/// <summary>
/// <c>forkserver demo thread</c>: the main thread starts a child thread; both print their names. Unlike a forked
/// child, the thread shares the process: same pid, same memory, and the main thread joins it instead of reaping it.
/// </summary>
public static class ThreadDemo
{
    public static int Run()
    {
        Thread.CurrentThread.Name = "MainThread";
        Print("starting a child thread");
        var child = new Thread(() => Print("hello from the child thread")) { Name = "Childthread" };
        child.Start();
        child.Join();
        Print("the child thread has finished (joined)");
        return 0;
    }

    private static void Print(string what) =>
        Console.WriteLine($"{Thread.CurrentThread.Name} (pid {Environment.ProcessId}, thread {Environment.CurrentManagedThreadId}): {what}");
}
