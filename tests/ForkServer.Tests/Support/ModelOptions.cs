namespace ForkServer.Tests.Support;

/// <summary>Options that mean something else per model.</summary>
public static class ModelOptions
{
    /// <summary>The prefork model's worker count; nothing for the others (for spawn, <c>--workers</c> starts a pool).</summary>
    public static string[] Workers(string model, int count) =>
        model == "prefork" ? ["--workers", count.ToString(System.Globalization.CultureInfo.InvariantCulture)] : [];
}
