namespace Controller.Model.Tokens;

/// <summary>
/// FAST-style chunk tokens (Pertsch et al. 2025): normalise each dimension to [-1,1], take its orthonormal
/// DCT-II over the chunk, scale and round the coefficients, flatten low frequencies first (all dims of
/// coefficient 0, then 1, …) and compress the integer string with BPE trained on the demonstrations.
/// </summary>
public sealed class FastActionTokenizer(int horizon, Normalizer norm, float scale, int range, Bpe bpe) : IActionTokenizer
{
    public string Kind => "fast";
    public int VocabSize => bpe.VocabSize;
    public int Horizon => horizon;
    public int Dims => norm.Dims;
    public int MaxTokens => horizon * norm.Dims;
    public bool FixedLength => false;
    public Bpe Bpe => bpe;

    /// <summary>Learns the BPE merges from demonstration chunks.</summary>
    public static FastActionTokenizer Train(IEnumerable<float[][]> chunks, int horizon, Normalizer norm, int vocabSize = 256, float scale = 10, int range = 40)
    {
        var proto = new FastActionTokenizer(horizon, norm, scale, range, new Bpe(2 * range + 1, []));
        var corpus = chunks.Select(proto.Symbols).ToList();
        return new FastActionTokenizer(horizon, norm, scale, range, Bpe.Train(corpus, 2 * range + 1, vocabSize));
    }

    /// <summary>The quantised DCT coefficients as base symbols (before BPE), frequency-major.</summary>
    public int[] Symbols(float[][] chunk)
    {
        var sym = new int[MaxTokens];
        var col = new double[horizon];
        for (var d = 0; d < Dims; d++)
        {
            for (var s = 0; s < horizon; s++)
                col[s] = norm.ToUnit(d, chunk[s][d]);
            var coef = Dct.Forward(col);
            for (var k = 0; k < horizon; k++)
                sym[k * Dims + d] = Math.Clamp((int)Math.Round(coef[k] * scale), -range, range) + range;
        }
        return sym;
    }

    public int[] Encode(float[][] chunk) => bpe.Encode(Symbols(chunk));

    public float[][] Decode(ReadOnlySpan<int> tokens)
    {
        var sym = bpe.Decode(tokens);
        var chunk = new float[horizon][];
        for (var s = 0; s < horizon; s++)
            chunk[s] = new float[Dims];
        var coef = new double[horizon];
        for (var d = 0; d < Dims; d++)
        {
            for (var k = 0; k < horizon; k++)
            {
                var i = k * Dims + d;
                coef[k] = i < sym.Count ? (sym[i] - range) / (double)scale : 0; // missing coefficients mean "no content"
            }
            var col = Dct.Inverse(coef);
            for (var s = 0; s < horizon; s++)
                chunk[s][d] = norm.FromUnit(d, (float)Math.Clamp(col[s], -1, 1));
        }
        return chunk;
    }

    public ActionTokenizerConfig ToConfig() => new("fast", horizon, norm, Scale: scale, Range: range, Merges: bpe.Merges, VocabSize: bpe.VocabSize);
}

/// <summary>Orthonormal DCT-II and its inverse (DCT-III), O(n²), fine for chunk lengths of 8–50.</summary>
public static class Dct
{
    public static double[] Forward(ReadOnlySpan<double> x)
    {
        var n = x.Length;
        var c = new double[n];
        for (var k = 0; k < n; k++)
        {
            double sum = 0;
            for (var i = 0; i < n; i++)
                sum += x[i] * Math.Cos(Math.PI * (i + 0.5) * k / n);
            c[k] = sum * (k == 0 ? Math.Sqrt(1.0 / n) : Math.Sqrt(2.0 / n));
        }
        return c;
    }

    public static double[] Inverse(ReadOnlySpan<double> c)
    {
        var n = c.Length;
        var x = new double[n];
        for (var i = 0; i < n; i++)
        {
            double sum = 0;
            for (var k = 0; k < n; k++)
                sum += c[k] * (k == 0 ? Math.Sqrt(1.0 / n) : Math.Sqrt(2.0 / n)) * Math.Cos(Math.PI * (i + 0.5) * k / n);
            x[i] = sum;
        }
        return x;
    }
}
