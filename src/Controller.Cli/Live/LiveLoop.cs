using Controller.Abstractions;
using Controller.Host.Control;
using Spectre.Console;

namespace Controller.Cli.Live;

/// <summary>
/// Shows a running <see cref="ControlLoop"/> until time is up, <c>until</c> completes or the user cancels:
/// a live table on a terminal, one status line per second when output is redirected (CI, logs).
/// </summary>
public static class LiveLoop
{
    /// <param name="step">Called every refresh with the status and the elapsed share of <paramref name="seconds"/> (scripted demos use it).</param>
    /// <param name="until">When given, the view also ends when this task completes.</param>
    /// <param name="extra">Extra rows shown above the loop's own.</param>
    /// <returns>Tick durations (ms) seen during the run.</returns>
    public static async Task<IReadOnlyList<double>> ShowAsync(ControlLoop loop, RobotProfile profile, double seconds, Action<LoopStatus, double>? step, CancellationToken ct,
        Task? until = null, Func<IEnumerable<(string What, string Value)>>? extra = null)
    {
        var tickMs = new List<double>();
        var start = DateTime.UtcNow;
        long seen = 0;
        var lastLine = DateTime.MinValue;
        var interactive = AnsiConsole.Profile.Capabilities.Interactive && !Console.IsOutputRedirected;

        async Task Refresh(Action<LoopStatus, string> show)
        {
            while (!ct.IsCancellationRequested && (DateTime.UtcNow - start).TotalSeconds < seconds && until is not { IsCompleted: true })
            {
                try
                {
                    await Task.Delay(100, ct);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
                var s = loop.Status;
                if (s.Ticks > seen)
                {
                    tickMs.Add(s.LastTickMs);
                    seen = s.Ticks;
                }
                var progress = (DateTime.UtcNow - start).TotalSeconds / seconds;
                step?.Invoke(s, progress);
                show(s, double.IsPositiveInfinity(seconds) ? profile.Name : $"{profile.Name} {Math.Min(progress, 1):P0}");
            }
        }

        if (interactive)
        {
            await AnsiConsole.Live(LoopView.Render(profile, loop.Status, "starting", tickMs)).StartAsync(live =>
                Refresh((s, title) => live.UpdateTarget(LoopView.Render(profile, s, title, tickMs, extra?.Invoke()))));
        }
        else
        {
            await Refresh((s, title) =>
            {
                if ((DateTime.UtcNow - lastLine).TotalSeconds < 1)
                    return;
                lastLine = DateTime.UtcNow;
                var rows = string.Join("  ", (extra?.Invoke() ?? []).Select(r => $"{r.What}: {Markup.Remove(r.Value)}"));
                AnsiConsole.Console.WriteLine($"[{title}] {s.Mode} ticks={s.Ticks} policy={s.PolicyCalls} holds={s.Holds} clamps={s.Clamps} tick={s.LastTickMs:F2}ms {rows}");
            });
        }
        return tickMs;
    }
}
