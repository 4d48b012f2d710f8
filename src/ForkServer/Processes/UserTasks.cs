using System.Globalization;

namespace ForkServer.Processes;

/// <summary>What RLIMIT_NPROC counts: the tasks (processes and their threads) of one real user, as /proc shows them.</summary>
public static class UserTasks
{
    public static int Count(uint uid)
    {
        int tasks = 0;
        foreach (string dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out _))
            {
                continue;
            }
            try
            {
                var fields = File.ReadLines(Path.Combine(dir, "status")).Select(l => l.Split(':', 2)).Where(f => f.Length == 2)
                    .ToDictionary(f => f[0], f => f[1].Trim());
                if (uint.Parse(fields["Uid"].Split('\t')[0], CultureInfo.InvariantCulture) == uid)
                {
                    tasks += int.Parse(fields["Threads"], CultureInfo.InvariantCulture);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or KeyNotFoundException or FormatException)
            {
                // Gone while we looked, or not ours to read.
            }
        }
        return tasks;
    }
}
