using System.Globalization;
using System.Text;

namespace ForkServer.Timeline;

/// <summary>
/// <see cref="Lives"/> as text for a terminal: one row per child, <c>=</c> alive, <c>z</c> zombie, each column the
/// same slice of time. A column shows what its child was doing at the middle of the slice; a life or a zombie
/// shorter than a slice still gets its one column, so that nothing that happened is invisible.
/// </summary>
public static class TextPicture
{
    public const int Columns = 64;

    public static string Render(Lives lives)
    {
        double end = Math.Max(lives.End, 1);
        double slice = end / Columns;
        var inferences = lives.Inferences;
        var text = new StringBuilder();
        text.Append(lives.Title).Append('\n');
        text.Append(CultureInfo.InvariantCulture, $"one column = {slice:0.#} ms; = alive, z zombie (exited, not yet reaped); kinds: c child, w prefork worker, s spawned, o adopted orphan\n");
        string gutter = new(' ', 7 + 1 + 1 + 1 + 22 + 1);
        text.Append(gutter).Append('|').Append(Row(lives.Marks.Select(m => (m.At, Letter(m.Name))), slice)).Append("| server: ")
            .Append(string.Join(", ", lives.Marks.Select(m => $"{Letter(m.Name)} {m.Text}").Distinct())).Append('\n');
        text.Append(gutter).Append('|').Append(Row(lives.Accepts.Select(a => (a, '^')), slice)).Append("| ^ accept()\n");
        foreach (var lane in lives.Lanes)
        {
            string notes = string.Concat(new[] { lane.StartInferred, lane.ExitInferred }.OfType<string>().Select(r => $" ~{inferences.ToList().IndexOf(r) + 1}"));
            string status = lane.Vanished ? "no status (kernel reaped)" : lane.Status ?? (lane.Exit is null ? "running at end" : "zombie at end");
            text.Append(CultureInfo.InvariantCulture, $"{lane.Pid,7} {Kind(lane.Kind)} {Fit(lane.Client),-22} |{Bar(lane, end, slice)}| {status}{notes}\n");
        }
        text.Append(gutter).Append(CultureInfo.InvariantCulture, $"0 ms{new string(' ', Columns - 4)}{end:0} ms\n");
        for (int i = 0; i < inferences.Count; i++)
        {
            text.Append(CultureInfo.InvariantCulture, $"~{i + 1} time inferred: {inferences[i]}\n");
        }
        return text.ToString();
    }

    /// <summary>The lane's columns: its state at the middle of each slice, and at least one column for each state it had.</summary>
    public static string Bar(Lane lane, double end, double slice)
    {
        double exit = lane.Exit ?? end;
        double reaped = lane.Exit is null ? exit : lane.Reaped ?? end;
        var bar = new char[Columns];
        for (int c = 0; c < Columns; c++)
        {
            double t = (c + 0.5) * slice;
            bar[c] = t >= lane.Start && t < exit ? '=' : t >= exit && t < reaped ? 'z' : ' ';
        }
        if (!bar.Contains('='))
        {
            bar[Column(lane.Start, slice)] = '=';
        }
        if (reaped > exit && !bar.Contains('z'))
        {
            int at = Column(exit, slice);
            bar[bar[at] == '=' && at + 1 < Columns ? at + 1 : at] = 'z';
        }
        return new string(bar);
    }

    private static string Row(IEnumerable<(double At, char Letter)> points, double slice)
    {
        var row = Enumerable.Repeat(' ', Columns).ToArray();
        foreach (var (at, letter) in points)
        {
            // Events closer than a column apart go side by side: the later one in the nearest free column, right first.
            int at0 = Column(at, slice);
            int column = Enumerable.Range(0, Columns).SelectMany(d => new[] { at0 + d, at0 - d })
                .FirstOrDefault(c => c >= 0 && c < Columns && (row[c] == ' ' || row[c] == letter), at0);
            row[column] = letter;
        }
        return new string(row);
    }

    private static int Column(double at, double slice) => Math.Clamp((int)(at / slice), 0, Columns - 1);

    private static char Letter(string name) => name switch
    {
        "listening" => 'L',
        "status" => 'U',
        "reloading" => 'H',
        "stopping" => 'S',
        "killing" => 'K',
        "stopped" => 'E',
        "fork-failed" => 'F',
        _ => '!',
    };

    private static char Kind(LaneKind kind) => kind switch
    {
        LaneKind.Worker => 'w',
        LaneKind.Spawned => 's',
        LaneKind.Orphan => 'o',
        _ => 'c',
    };

    private static string Fit(string text) => text.Length <= 22 ? text : text[..21] + "…";
}
