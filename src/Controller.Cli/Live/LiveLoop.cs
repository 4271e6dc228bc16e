using Controller.Abstractions;
using Controller.Host.Control;
using Spectre.Console;

namespace Controller.Cli.Live;

/// <summary>Shows a running <see cref="ControlLoop"/> live in the terminal until time is up or the user cancels.</summary>
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
        await AnsiConsole.Live(LoopView.Render(profile, loop.Status, "starting", tickMs)).StartAsync(async live =>
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
                var title = double.IsPositiveInfinity(seconds) ? profile.Name : $"{profile.Name} {Math.Min(progress, 1):P0}";
                live.UpdateTarget(LoopView.Render(profile, s, title, tickMs, extra?.Invoke()));
            }
        });
        return tickMs;
    }
}
