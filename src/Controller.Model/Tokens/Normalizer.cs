namespace Controller.Model.Tokens;

/// <summary>Per-dimension affine map of [Low, High] onto [-1, 1]; values outside are clipped. Stored in checkpoints.</summary>
public sealed record Normalizer(float[] Low, float[] High)
{
    public int Dims => Low.Length;

    /// <summary>Fits the range of the data with a 2% margin; constant dimensions get a unit range.</summary>
    public static Normalizer Fit(IEnumerable<float[]> rows, int dims)
    {
        var lo = Enumerable.Repeat(float.MaxValue, dims).ToArray();
        var hi = Enumerable.Repeat(float.MinValue, dims).ToArray();
        foreach (var r in rows)
            for (var d = 0; d < dims; d++)
            {
                lo[d] = Math.Min(lo[d], r[d]);
                hi[d] = Math.Max(hi[d], r[d]);
            }
        for (var d = 0; d < dims; d++)
        {
            if (lo[d] > hi[d]) { lo[d] = -1; hi[d] = 1; }
            var span = hi[d] - lo[d];
            if (span < 1e-6f) { lo[d] -= 0.5f; hi[d] += 0.5f; span = 1; }
            lo[d] -= 0.02f * span;
            hi[d] += 0.02f * span;
        }
        return new Normalizer(lo, hi);
    }

    public float ToUnit(int d, float x) => Math.Clamp(2 * (x - Low[d]) / (High[d] - Low[d]) - 1, -1f, 1f);

    public float FromUnit(int d, float u) => Low[d] + (u + 1) * 0.5f * (High[d] - Low[d]);
}

/// <summary>Uniform bins over [-1, 1]: bin = floor((u+1)/2 × n), decoded to the bin centre. Max error = 1/n.</summary>
public static class UniformBins
{
    public static int ToBin(float u, int n) => Math.Clamp((int)MathF.Floor((u + 1) * 0.5f * n), 0, n - 1);

    public static float FromBin(int bin, int n) => (bin + 0.5f) / n * 2 - 1;
}
