namespace Controller.Cli.Bench;

/// <summary>Order statistics for benchmark samples.</summary>
public static class Stats
{
    /// <summary>The q-quantile (0..1) by nearest rank.</summary>
    public static double Percentile(IEnumerable<double> samples, double q)
    {
        var sorted = samples.Order().ToArray();
        if (sorted.Length == 0)
            return double.NaN;
        return sorted[Math.Clamp((int)Math.Ceiling(q * sorted.Length) - 1, 0, sorted.Length - 1)];
    }

    public static double Median(IEnumerable<double> samples) => Percentile(samples, 0.5);
}
