namespace Controller.Model.Tokens;

/// <summary>RT-2/OpenVLA style: each dimension of each step is one of <c>bins</c> uniform bins over its normalised range.</summary>
public sealed class BinActionTokenizer(int horizon, Normalizer norm, int bins = 256) : IActionTokenizer
{
    public string Kind => "bins";
    public int VocabSize => bins;
    public int Horizon => horizon;
    public int Dims => norm.Dims;
    public int MaxTokens => horizon * norm.Dims;
    public bool FixedLength => true;
    public Normalizer Norm => norm;

    public int[] Encode(float[][] chunk)
    {
        var tokens = new int[MaxTokens];
        for (var s = 0; s < horizon; s++)
            for (var d = 0; d < Dims; d++)
                tokens[s * Dims + d] = UniformBins.ToBin(norm.ToUnit(d, chunk[s][d]), bins);
        return tokens;
    }

    public float[][] Decode(ReadOnlySpan<int> tokens)
    {
        var chunk = new float[horizon][];
        for (var s = 0; s < horizon; s++)
        {
            chunk[s] = new float[Dims];
            for (var d = 0; d < Dims; d++)
            {
                var i = s * Dims + d;
                var bin = i < tokens.Length ? Math.Clamp(tokens[i], 0, bins - 1) : bins / 2;
                chunk[s][d] = norm.FromUnit(d, UniformBins.FromBin(bin, bins));
            }
        }
        return chunk;
    }

    /// <summary>Largest round-trip error of dimension <paramref name="d"/> in joint units (half a bin).</summary>
    public float QuantisationError(int d) => (norm.High[d] - norm.Low[d]) / bins / 2;

    public ActionTokenizerConfig ToConfig() => new("bins", horizon, norm, Bins: bins, VocabSize: bins);
}
