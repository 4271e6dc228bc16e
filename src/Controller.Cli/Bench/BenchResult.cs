namespace Controller.Cli.Bench;

/// <summary>
/// One measured number. <see cref="Target"/> states the goal in words (e.g. "≤ 15 ms", "≥ 5×");
/// <see cref="Met"/> is null when there is no target.
/// </summary>
public sealed record BenchResult(string Suite, string Metric, double Value, string Unit, string? Target = null, bool? Met = null, string? Note = null);
