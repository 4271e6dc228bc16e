namespace Controller.Sim.Eval;

/// <summary>Wilson score interval for a binomial proportion (better than normal ± at small n or p near 0/1).</summary>
public static class Wilson
{
    /// <summary>The interval for <paramref name="successes"/> of <paramref name="trials"/> at z (1.96 = 95%).</summary>
    public static (double Low, double High) Interval(int successes, int trials, double z = 1.96)
    {
        if (trials <= 0)
            return (0, 1);
        var p = (double)successes / trials;
        var z2 = z * z;
        var denom = 1 + z2 / trials;
        var centre = (p + z2 / (2 * trials)) / denom;
        var half = z * Math.Sqrt(p * (1 - p) / trials + z2 / (4.0 * trials * trials)) / denom;
        return (Math.Max(0, centre - half), Math.Min(1, centre + half));
    }
}
