using Controller.Abstractions;
using Controller.Host.Control;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Controller.Cli.Live;

/// <summary>Renders a <see cref="LoopStatus"/> as a small table for the live terminal view.</summary>
public static class LoopView
{
    /// <param name="extra">Rows a verb adds on top (task, episode, success...), already escaped markup.</param>
    public static IRenderable Render(RobotProfile profile, LoopStatus s, string title, IReadOnlyList<double> tickMs, IEnumerable<(string What, string Value)>? extra = null)
    {
        var table = new Table().Border(TableBorder.Rounded).Title(title).AddColumn("what").AddColumn("value");
        foreach (var (what, value) in extra ?? [])
            table.AddRow(what, value);
        var modeColour = s.Mode switch
        {
            ControlMode.Autonomous => "green",
            ControlMode.Teleop => "blue",
            ControlMode.Stopped => "red",
            _ => "yellow",
        };
        table.AddRow("mode", $"[{modeColour}]{s.Mode}[/]" + (s.LastTransition is { } t ? $" ({t.Reason.EscapeMarkup()})" : ""));
        table.AddRow("ticks", s.Ticks.ToString(System.Globalization.CultureInfo.InvariantCulture));
        table.AddRow("policy calls", s.PolicyCalls.ToString(System.Globalization.CultureInfo.InvariantCulture));
        table.AddRow("tick p50 / p99", tickMs.Count == 0 ? "-" : $"{Percentile(tickMs, 0.5):F3} / {Percentile(tickMs, 0.99):F3} ms");
        table.AddRow("holds / clamps / late steps", $"{s.Holds} / {s.Clamps} / {s.LateSteps}");
        table.AddRow("last safety reasons", s.LastReasons.ToString());
        table.AddRow("stale inputs", s.StaleInputs.Count == 0 ? "none" : string.Join(", ", s.StaleInputs));
        if (s.LastSent is { Positions.Length: > 0 } cmd)
        {
            for (var j = 0; j < profile.Dof; j++)
                table.AddRow($"  {profile.Joints[j].Name}", Bar(cmd.Positions[j], profile.Workspace.Min[j], profile.Workspace.Max[j]));
        }
        return table;
    }

    public static double Percentile(IReadOnlyList<double> values, double q)
    {
        var sorted = values.Order().ToArray();
        return sorted[Math.Clamp((int)Math.Ceiling(q * sorted.Length) - 1, 0, sorted.Length - 1)];
    }

    private static string Bar(double x, double lo, double hi)
    {
        const int width = 24;
        var filled = (int)Math.Round(Math.Clamp((x - lo) / (hi - lo), 0, 1) * width);
        return $"[aqua]{new string('#', filled)}[/]{new string('.', width - filled)} {x,7:F3}";
    }
}
