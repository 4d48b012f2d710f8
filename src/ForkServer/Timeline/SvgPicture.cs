using System.Globalization;
using System.Text;

namespace ForkServer.Timeline;

/// <summary>
/// <see cref="Lives"/> as a self-contained SVG: no script, no web font, viewable in any browser. Each lane is a
/// <c>&lt;g class="lane"&gt;</c> with the child's times in data attributes (milliseconds since the log began), its
/// alive bar and its zombie bar; hovering shows a lane's whole story (SVG titles, no script).
/// </summary>
public static class SvgPicture
{
    private const double Width = 1120;
    private const double Left = 250;
    private const double Right = 230;
    private const double LanePitch = 18;
    private const double BarHeight = 12;
    private const double PlotWidth = Width - Left - Right;

    private static readonly Dictionary<LaneKind, (string Fill, string Stroke, string Dash)> Looks = new()
    {
        [LaneKind.Client] = ("#66bb6a", "#2e7d32", ""),
        [LaneKind.Worker] = ("#64b5f6", "#1565c0", ""),
        [LaneKind.Spawned] = ("#ba68c8", "#6a1b9a", ""),
        [LaneKind.Orphan] = ("#ffb74d", "#e65100", " stroke-dasharray=\"4 2\""),
    };

    public static string Render(Lives lives)
    {
        double end = Math.Max(lives.End, 1);
        double msPerPx = end / PlotWidth;
        double X(double ms) => Left + ms / msPerPx;
        var inferences = lives.Inferences;
        double marksTop = 76;
        double acceptRow = marksTop + 3 * 13 + 6;
        double lanesTop = acceptRow + 16;
        double axisY = lanesTop + lives.Lanes.Count * LanePitch + 4;
        double height = axisY + 40 + inferences.Count * 15 + 10;

        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture,
            $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{Num(Width)}\" height=\"{Num(height)}\" viewBox=\"0 0 {Num(Width)} {Num(height)}\" font-family=\"sans-serif\" font-size=\"11\" data-ms-per-px=\"{Num(msPerPx, 4)}\" data-left=\"{Num(Left)}\" data-policy=\"{Escape(lives.Policy)}\">\n");
        svg.Append("<defs><pattern id=\"zombie\" patternUnits=\"userSpaceOnUse\" width=\"6\" height=\"6\" patternTransform=\"rotate(45)\">"
            + "<rect width=\"6\" height=\"6\" fill=\"#ef9a9a\"/><line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"6\" stroke=\"#c62828\" stroke-width=\"3\"/></pattern></defs>\n");
        svg.Append("<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n");
        svg.Append(CultureInfo.InvariantCulture, $"<title>{Escape(lives.Title)}</title>\n");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"12\" y=\"22\" font-size=\"15\" font-weight=\"bold\">{Escape(lives.Title)}</text>\n");
        Legend(svg, lives);

        // The server's marks: a dashed line through every lane, its name above, in three staggered rows.
        for (int i = 0; i < lives.Marks.Count; i++)
        {
            var mark = lives.Marks[i];
            double labelY = marksTop + (i % 3) * 13;
            svg.Append(CultureInfo.InvariantCulture,
                $"<g class=\"mark\" data-event=\"{Escape(mark.Name)}\" data-at=\"{Num(mark.At)}\"><title>{Escape(mark.Name)} at {mark.At:0} ms</title>"
                + $"<line x1=\"{Num(X(mark.At))}\" y1=\"{Num(labelY + 2)}\" x2=\"{Num(X(mark.At))}\" y2=\"{Num(axisY)}\" stroke=\"#455a64\" stroke-dasharray=\"3 3\"/>"
                + $"<text x=\"{Num(X(mark.At))}\" y=\"{Num(labelY)}\" text-anchor=\"{Anchor(mark.At, end)}\" fill=\"#263238\">{Escape(mark.Text)}</text></g>\n");
        }

        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{Num(Left - 8)}\" y=\"{Num(acceptRow + 4)}\" text-anchor=\"end\" fill=\"#37474f\">accept()</text>\n");
        svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{Num(Left)}\" y1=\"{Num(acceptRow)}\" x2=\"{Num(Left + PlotWidth)}\" y2=\"{Num(acceptRow)}\" stroke=\"#cfd8dc\"/>\n");
        foreach (double at in lives.Accepts)
        {
            svg.Append(CultureInfo.InvariantCulture,
                $"<path class=\"accept\" data-at=\"{Num(at)}\" d=\"M{Num(X(at))} {Num(acceptRow - 5)} l-3 -5 h6 z\" fill=\"#37474f\"/>\n");
        }

        for (int i = 0; i < lives.Lanes.Count; i++)
        {
            Lane(svg, lives.Lanes[i], lanesTop + i * LanePitch, lives, inferences, X, end);
        }

        Axis(svg, end, axisY, X);
        for (int i = 0; i < inferences.Count; i++)
        {
            svg.Append(CultureInfo.InvariantCulture,
                $"<text x=\"12\" y=\"{Num(axisY + 44 + i * 15)}\" fill=\"#5d4037\">~{i + 1} time inferred: {Escape(inferences[i])} (drawn with a dashed edge)</text>\n");
        }
        svg.Append("</svg>\n");
        return svg.ToString();
    }

    private static void Lane(StringBuilder svg, Lane lane, double top, Lives lives, IReadOnlyList<string> inferences, Func<double, double> x, double end)
    {
        var look = Looks[lane.Kind];
        double exit = lane.Exit ?? end;
        double reaped = lane.Exit is null ? exit : lane.Reaped ?? end;
        string notes = string.Concat(new[] { lane.StartInferred, lane.ExitInferred }.OfType<string>().Select(r => $" ~{inferences.ToList().IndexOf(r) + 1}"));
        svg.Append(
            $"<g class=\"lane\" data-pid=\"{lane.Pid}\" data-kind=\"{lane.Kind.ToString().ToLowerInvariant()}\" data-start=\"{Num(lane.Start)}\""
            + (lane.Exit is { } e ? $" data-exit=\"{Num(e)}\"" : "") + (lane.Reaped is { } r ? $" data-reaped=\"{Num(r)}\"" : "")
            + $" data-zombie-ms=\"{Num(lane.ZombieMs(end))}\"><title>{Escape(lane.Describe(end))}; reap policy {Escape(lives.Policy)}</title>");
        svg.Append(CultureInfo.InvariantCulture,
            $"<text x=\"{Num(Left - 8)}\" y=\"{Num(top + 10)}\" text-anchor=\"end\" font-family=\"monospace\">{lane.Pid} {Escape(lane.Client)}</text>");
        // At least a pixel, so that a child that lived a millisecond is still seen.
        double aliveWidth = Math.Max(1, x(exit) - x(lane.Start));
        string edge = lane.ExitInferred is not null || lane.StartInferred is not null ? " stroke-dasharray=\"3 2\"" : look.Dash;
        svg.Append(CultureInfo.InvariantCulture,
            $"<rect class=\"alive\" x=\"{Num(x(lane.Start))}\" y=\"{Num(top)}\" width=\"{Num(aliveWidth)}\" height=\"{Num(BarHeight)}\" fill=\"{look.Fill}\" stroke=\"{look.Stroke}\" stroke-width=\"0.8\"{edge}/>");
        if (reaped > exit)
        {
            svg.Append(CultureInfo.InvariantCulture,
                $"<rect class=\"zombie\" x=\"{Num(x(exit))}\" y=\"{Num(top)}\" width=\"{Num(x(reaped) - x(exit))}\" height=\"{Num(BarHeight)}\" fill=\"url(#zombie)\" stroke=\"#b71c1c\" stroke-width=\"0.8\"/>");
        }
        string status = lane.Vanished ? "no status (kernel reaped)" : Short(lane.Status) ?? (lane.Exit is null ? "running at end" : "zombie at end");
        svg.Append(CultureInfo.InvariantCulture,
            $"<text x=\"{Num(Left + PlotWidth + 8)}\" y=\"{Num(top + 10)}\" fill=\"#37474f\">{Escape(status + notes)}</text></g>\n");
    }

    private static void Legend(StringBuilder svg, Lives lives)
    {
        double x = 12;
        var kinds = lives.Lanes.Select(l => l.Kind).Distinct().Order().ToList();
        foreach (var kind in kinds.Count == 0 ? [LaneKind.Client] : kinds)
        {
            var look = Looks[kind];
            svg.Append(CultureInfo.InvariantCulture,
                $"<rect x=\"{Num(x)}\" y=\"34\" width=\"22\" height=\"10\" fill=\"{look.Fill}\" stroke=\"{look.Stroke}\"{look.Dash}/><text x=\"{Num(x + 28)}\" y=\"43\">{Escape(global::ForkServer.Timeline.Lane.Names(kind))} alive</text>\n");
            x += 150;
        }
        svg.Append(CultureInfo.InvariantCulture,
            $"<rect x=\"{Num(x)}\" y=\"34\" width=\"22\" height=\"10\" fill=\"url(#zombie)\" stroke=\"#b71c1c\"/><text x=\"{Num(x + 28)}\" y=\"43\">zombie: exited, not yet reaped (waitpid)</text>\n");
        svg.Append(CultureInfo.InvariantCulture,
            $"<text x=\"12\" y=\"60\" fill=\"#455a64\">one lane per child, from fork to exit, then zombie to reap; dashed lines: the server's events; triangles: each accept(); hover a lane for its story</text>\n");
    }

    private static void Axis(StringBuilder svg, double end, double y, Func<double, double> x)
    {
        svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{Num(Left)}\" y1=\"{Num(y)}\" x2=\"{Num(Left + PlotWidth)}\" y2=\"{Num(y)}\" stroke=\"#263238\"/>\n");
        double step = NiceStep(end / 8);
        for (double t = 0; t <= end + 0.001; t += step)
        {
            string label = step >= 1000 || end >= 2000 ? $"{t / 1000:0.##} s" : $"{t:0.#} ms";
            svg.Append(CultureInfo.InvariantCulture,
                $"<line x1=\"{Num(x(t))}\" y1=\"{Num(y)}\" x2=\"{Num(x(t))}\" y2=\"{Num(y + 5)}\" stroke=\"#263238\"/><text x=\"{Num(x(t))}\" y=\"{Num(y + 17)}\" text-anchor=\"middle\">{label}</text>\n");
        }
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{Num(Left + PlotWidth)}\" y=\"{Num(y + 30)}\" text-anchor=\"end\" fill=\"#37474f\">time since the first event</text>\n");
    }

    /// <summary>1, 2 or 5 times a power of ten, at least <paramref name="rough"/>.</summary>
    public static double NiceStep(double rough)
    {
        double power = Math.Pow(10, Math.Floor(Math.Log10(Math.Max(rough, 1e-3))));
        return new[] { 1, 2, 5, 10 }.Select(m => m * power).First(s => s >= rough);
    }

    private static string? Short(string? status) => status?.Replace("exited with status ", "exit ");

    private static string Anchor(double at, double end) => at < end * 0.05 ? "start" : at > end * 0.95 ? "end" : "middle";

    private static string Num(double value, int decimals = 2) => Math.Round(value, decimals).ToString(CultureInfo.InvariantCulture);

    private static string Escape(string text) =>
        text.Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;").Replace("\"", "&quot;");
}
