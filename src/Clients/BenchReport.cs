using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace ForkServer.Clients;

/// <summary>Prints a <see cref="BenchResult"/>: a few lines for people, or one JSON object for scripts (bench.sh).</summary>
public static class BenchReport
{
    private static readonly double[] Percentiles = [50, 90, 99];

    public static string Text(BenchPlan plan, BenchResult result)
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture,
            $"forkclient bench: {plan.Connections} connections to {plan.Server}, {plan.Concurrency} at a time ({plan.Exchange.Description})");
        text.AppendLine(CultureInfo.InvariantCulture,
            $"  {result.Ok} ok, {result.Errors} errors in {result.Elapsed.TotalSeconds:0.00} s: {Rate(result):0} connections/s");
        if (result.Latencies.Length > 0)
        {
            var ms = SortedMilliseconds(result);
            text.AppendLine(CultureInfo.InvariantCulture,
                $"  latency (connect to last reply) ms: p50 {At(ms, 50):0.###}  p90 {At(ms, 90):0.###}  p99 {At(ms, 99):0.###}  max {ms[^1]:0.###}");
        }
        foreach (var (kind, count) in result.ErrorKinds.OrderByDescending(k => k.Value))
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"  error: {kind} ({count}x)");
        }
        return text.ToString();
    }

    public static string Json(BenchPlan plan, BenchResult result)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            json.WriteString("server", plan.Server.ToString());
            json.WriteString("exchange", plan.Exchange.Description);
            json.WriteNumber("connections", plan.Connections);
            json.WriteNumber("concurrency", plan.Concurrency);
            json.WriteNumber("ok", result.Ok);
            json.WriteNumber("errors", result.Errors);
            json.WriteNumber("seconds", Math.Round(result.Elapsed.TotalSeconds, 3));
            json.WriteNumber("connections_per_second", Math.Round(Rate(result), 1));
            if (result.Latencies.Length > 0)
            {
                var ms = SortedMilliseconds(result);
                foreach (double p in Percentiles)
                {
                    json.WriteNumber($"p{p}_ms", Math.Round(At(ms, p), 3));
                }
                json.WriteNumber("max_ms", Math.Round(ms[^1], 3));
            }
            json.WriteStartObject("error_kinds");
            foreach (var (kind, count) in result.ErrorKinds)
            {
                json.WriteNumber(kind, count);
            }
            json.WriteEndObject();
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray()) + "\n";
    }

    /// <summary>Connections that succeeded per second of the whole run.</summary>
    private static double Rate(BenchResult result) => result.Ok / Math.Max(result.Elapsed.TotalSeconds, 1e-9);

    private static double[] SortedMilliseconds(BenchResult result)
    {
        double[] ms = [.. result.Latencies.Select(t => t * 1000.0 / Stopwatch.Frequency)];
        Array.Sort(ms);
        return ms;
    }

    /// <summary>The nearest-rank percentile of sorted values.</summary>
    private static double At(double[] sorted, double percentile) =>
        sorted[Math.Clamp((int)Math.Ceiling(percentile / 100 * sorted.Length) - 1, 0, sorted.Length - 1)];
}
