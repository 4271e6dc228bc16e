using System.Globalization;
using System.Text.Json.Serialization;

namespace Controller.Sim.Eval;

/// <summary>
/// Where the failed episodes of an eval ended, to tell "never got there" from "almost": medians of the start and
/// final distances to success, how many failures ended closer than they started (by more than
/// <see cref="Progress"/>), how many moved the named object at all (by more than <see cref="Moved"/>), and how many
/// ended within <see cref="NearMiss"/> × the task's tolerance.
/// </summary>
public sealed record FailureBreakdown(
    [property: JsonPropertyName("count")] int Count,
    [property: JsonPropertyName("median_start_distance_m")] double? MedianStart,
    [property: JsonPropertyName("median_final_distance_m")] double? MedianFinal,
    [property: JsonPropertyName("ended_closer")] int EndedCloser,
    [property: JsonPropertyName("ended_farther")] int EndedFarther,
    [property: JsonPropertyName("moved_object")] int MovedObject,
    [property: JsonPropertyName("near_misses")] int NearMisses)
{
    public const double Progress = 0.01;
    public const double Moved = 0.01;
    public const double NearMiss = 1.5;

    public static FailureBreakdown From(IEnumerable<EvalEpisode> episodes, double tolerance)
    {
        var failed = episodes.Where(e => !e.Success).ToList();
        return new FailureBreakdown(
            failed.Count,
            Median(failed.Select(e => e.StartDistance)),
            Median(failed.Select(e => e.FinalDistance)),
            failed.Count(e => e.FinalDistance < e.StartDistance - Progress),
            failed.Count(e => e.FinalDistance > e.StartDistance + Progress),
            failed.Count(e => e.ObjectMoved > Moved),
            failed.Count(e => e.FinalDistance <= tolerance * NearMiss));
    }

    /// <summary>One line for the console, e.g. "11 failures: median distance 12.0 → 8.6 cm; 7 ended closer, 2 farther; …".</summary>
    public override string ToString() => Count == 0
        ? "no failures"
        : string.Create(CultureInfo.InvariantCulture,
            $"{Count} failures: median distance {MedianStart * 100:0.0} → {MedianFinal * 100:0.0} cm; {EndedCloser} ended closer, {EndedFarther} farther; {MovedObject} moved the object ≥ {Moved * 100:0} cm; {NearMisses} within {NearMiss:0.#}× the tolerance");

    /// <summary>Null for no values: JSON has no NaN.</summary>
    private static double? Median(IEnumerable<double> values)
    {
        var sorted = values.Where(double.IsFinite).Order().ToArray();
        if (sorted.Length == 0)
            return null;
        var mid = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }
}
