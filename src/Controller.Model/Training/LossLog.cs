using System.Globalization;
using System.Text;

namespace Controller.Model.Training;

/// <summary>Loss curve kept in memory and written as CSV (step,loss,lr) and PNG. Reloads on resume. Not thread-safe.</summary>
public sealed class LossLog(string csvPath)
{
    private readonly List<(int Step, double Loss, double Lr)> rows = [];

    public IReadOnlyList<(int Step, double Loss, double Lr)> Rows => rows;

    /// <summary>Keeps rows up to <paramref name="lastStep"/> from an existing CSV (resume after a crash).</summary>
    public void Reload(int lastStep)
    {
        rows.Clear();
        if (!File.Exists(csvPath))
            return;
        foreach (var line in File.ReadLines(csvPath).Skip(1))
        {
            var p = line.Split(',');
            if (p.Length < 3 || !int.TryParse(p[0], CultureInfo.InvariantCulture, out var s) || s > lastStep)
                continue;
            rows.Add((s, double.Parse(p[1], CultureInfo.InvariantCulture), double.Parse(p[2], CultureInfo.InvariantCulture)));
        }
    }

    public void Add(int step, double loss, double lr) => rows.Add((step, loss, lr));

    public void Write(string title)
    {
        var sb = new StringBuilder("step,loss,lr\n");
        foreach (var (s, l, lr) in rows)
            sb.Append(CultureInfo.InvariantCulture, $"{s},{l:G6},{lr:G6}\n");
        File.WriteAllText(csvPath, sb.ToString());
        PngPlot.Line(Path.ChangeExtension(csvPath, ".png"), title, rows.Select(r => ((double)r.Step, r.Loss)).ToList());
    }
}
