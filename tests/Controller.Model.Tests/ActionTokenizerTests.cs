using Controller.Model.Tokens;
using CsCheck;

namespace Controller.Model.Tests;

public class ActionTokenizerTests
{
    private static readonly Normalizer Norm = new([-0.5f, -2f, 0f], [0.5f, 2f, 3f]);

    private static Gen<float[][]> Chunks(int horizon) =>
        Gen.Select(Gen.Float[-0.5f, 0.5f], Gen.Float[-2f, 2f], Gen.Float[0f, 3f], (a, b, c) => new[] { a, b, c }).Array[horizon];

    [Fact]
    public void BinsEncodeDecode_AnyChunkInRange_RoundTripsWithinHalfABin()
    {
        var tok = new BinActionTokenizer(8, Norm);
        Chunks(8).Sample(chunk =>
        {
            var back = tok.Decode(tok.Encode(chunk));
            for (var s = 0; s < 8; s++)
                for (var d = 0; d < 3; d++)
                    Assert.True(Math.Abs(back[s][d] - chunk[s][d]) <= tok.QuantisationError(d) + 1e-5f, $"dim {d}: {chunk[s][d]} → {back[s][d]}");
        });
    }

    [Fact]
    public void BinsEncode_AnyChunk_EmitsOneTokenPerJointAndStepWithinVocabulary()
    {
        var tok = new BinActionTokenizer(8, Norm);
        Chunks(8).Sample(chunk =>
        {
            var ids = tok.Encode(chunk);
            Assert.Equal(24, ids.Length);
            Assert.All(ids, id => Assert.InRange(id, 0, 255));
        });
    }

    [Fact]
    public void FastEncodeDecode_SmoothChunks_IsInverseUpToCoefficientRounding()
    {
        var rng = new Random(3);
        var train = Enumerable.Range(0, 300).Select(_ => Smooth(rng)).ToList();
        var tok = FastActionTokenizer.Train(train, 10, Norm, vocabSize: 200);
        Assert.True(tok.VocabSize > 2 * 40 + 1, "BPE learned no merges");
        foreach (var chunk in Enumerable.Range(0, 50).Select(_ => Smooth(rng)))
        {
            var ids = tok.Encode(chunk);
            Assert.True(ids.Length < tok.MaxTokens, "BPE did not compress a smooth chunk");
            // Decoding reproduces exactly the rounded coefficients, so re-encoding gives the same tokens.
            Assert.Equal(ids, tok.Encode(tok.Decode(ids)));
            Assert.Equal(tok.Symbols(chunk), tok.Bpe.Decode(ids));
            var back = tok.Decode(ids);
            // Rounding each orthonormal coefficient to 1/scale bounds the error by 0.5/scale·sqrt(H) in unit space.
            var bound = 0.5 / 10 * Math.Sqrt(10);
            for (var s = 0; s < 10; s++)
                for (var d = 0; d < 3; d++)
                    Assert.True(Math.Abs(Norm.ToUnit(d, back[s][d]) - Norm.ToUnit(d, chunk[s][d])) <= bound, $"step {s} dim {d}");
        }
    }

    [Fact]
    public void FastDecode_GarbageTokens_ReturnsAChunkOfTheRightShape()
    {
        var tok = FastActionTokenizer.Train([Smooth(new Random(1))], 10, Norm, vocabSize: 100);
        var chunk = tok.Decode([5, 9999, -3]);
        Assert.Equal(10, chunk.Length);
        Assert.All(chunk, step => Assert.Equal(3, step.Length));
    }

    [Fact]
    public void Dct_ForwardThenInverse_ReturnsTheSignal()
    {
        double[] x = [0.1, -0.4, 0.9, 0.3, 0.0, -1.0, 0.5];
        var back = Dct.Inverse(Dct.Forward(x));
        for (var i = 0; i < x.Length; i++)
            Assert.Equal(x[i], back[i], 10);
    }

    [Fact]
    public void ActionTokenizerConfig_RoundTripsThroughBuild()
    {
        var rng = new Random(2);
        var tok = FastActionTokenizer.Train(Enumerable.Range(0, 50).Select(_ => Smooth(rng)).ToList(), 10, Norm, vocabSize: 120);
        var rebuilt = tok.ToConfig().Build();
        var chunk = Smooth(rng);
        Assert.Equal(tok.Encode(chunk), rebuilt.Encode(chunk));
    }

    private static float[][] Smooth(Random rng)
    {
        var a = new double[3];
        var f = new double[3];
        for (var d = 0; d < 3; d++) { a[d] = rng.NextDouble(); f[d] = rng.NextDouble() * 0.3; }
        return Enumerable.Range(0, 10).Select(s => new[]
        {
            (float)(0.4 * Math.Sin(a[0] + f[0] * s)), (float)(1.5 * Math.Cos(a[1] + f[1] * s)), (float)(1.5 + 1.2 * Math.Sin(a[2] + f[2] * s)),
        }).ToArray();
    }
}
