using System.Text.Json;

namespace ForkServer.Tests.Support;

/// <summary>
/// Figures a reliability test measured (clients served, errors, zombies, descriptors, CPU), saved as one JSON file
/// per case under artifacts/reliability/ so that scripts/reliability-report.sh can rebuild docs/reliability.md from
/// what the last run really saw.
/// </summary>
public static class Figures
{
    public static void Record(string caseName, string summary, IReadOnlyDictionary<string, object> figures)
    {
        string dir = Path.Combine(Binaries.RepoRoot, "artifacts", "reliability");
        Directory.CreateDirectory(dir);
        var record = new Dictionary<string, object> { ["case"] = caseName, ["summary"] = summary, ["figures"] = figures };
        File.WriteAllText(Path.Combine(dir, caseName + ".json"), JsonSerializer.Serialize(record));
    }
}
