using Controller.Model.Decoding;
using Controller.Model.Tokens;
using static TorchSharp.torch;

namespace Controller.Model.Tests;

public class VectorDecoderTests
{
    /// <summary>A random model with weights scaled up so logits are of order one (differences then show). <paramref name="positions"/> also adds text n-grams.</summary>
    private static WorldModel Model(int vocab, int seed, bool digits = false, bool positions = false)
    {
        manual_seed(seed);
        var config = Tiny.Config(vocab, 64) with { AbsolutePositions = positions, TextNgramBuckets = positions ? 8 : 0 };
        var model = new WorldModel(digits ? config with { ImageOffset = 16, ImageLevels = [3, 3], CodeFeatures = positions ? 5 : 0 } : config);
        if (digits && positions)
            model.SetCodePixels(rand(9, 5));
        model.eval();
        using var noGrad = no_grad();
        foreach (var p in model.parameters())
            p.mul_(4);
        return model;
    }

    [Theory]
    [InlineData(1, false, false)]
    [InlineData(2, false, false)]
    [InlineData(3, true, false)]
    [InlineData(4, true, true)]
    public void Step_AfterATorchPrefill_GivesTheTorchLogitsWithin1e4(int seed, bool digitEmbeddings, bool absolutePositions)
    {
        using var scope = NewDisposeScope();
        using var model = Model(64, seed, digitEmbeddings, absolutePositions);
        using var noGrad = no_grad();
        using var cache = new KvCache(model.Config);
        Decoder.Feed(model, cache, [1, 9, 17, 33, 40, 2, 5]);
        var vector = new VectorDecoder(model);
        vector.Load(cache);
        foreach (var id in new[] { 7, 18, 63, 0, 24, 30 })
        {
            var expected = Decoder.Feed(model, cache, [id]).data<float>().ToArray();
            vector.Step(id);
            var actual = vector.Logits();
            var worst = expected.Zip(actual, (e, a) => Math.Abs(e - a)).Max();
            Assert.True(worst < 1e-4, $"token {id}: logits differ by {worst}");
            Assert.True(expected.Max() - expected.Min() > 0.1, "logits should spread enough for the comparison to mean something");
        }
        Assert.Equal(cache.Length, vector.Length);
    }

    [Theory]
    [InlineData("bins", 3)]
    [InlineData("bins", 4)]
    [InlineData("fast", 3)]
    [InlineData("fast", 5)]
    public void DecodeActions_SameModelAndPrompt_EmitsTheTorchDecodersTokens(string kind, int seed)
    {
        using var scope = NewDisposeScope();
        var vocab = new Vocabulary(ImageCodes: 9, StateBins: 8, ActionTokens: 12);
        using var model = Model(vocab.Size, seed);
        using var noGrad = no_grad();
        IActionTokenizer tok = kind == "bins"
            ? new BinActionTokenizer(3, Tiny.Norm2, bins: 12)
            : new FastActionTokenizer(3, Tiny.Norm2, 4, 5, new Bpe(11, [[5, 5]]));
        int[] prompt = [Vocabulary.Bos, vocab.Text(65), vocab.Text(66), Vocabulary.Boi, vocab.Image(4), Vocabulary.Eoi];
        using var torchCache = new KvCache(model.Config);
        var logits = Decoder.Feed(model, torchCache, [.. prompt, Vocabulary.Boa]);
        var expected = Decoder.DecodeActions(model, torchCache, logits, vocab, tok);

        using var cache = new KvCache(model.Config);
        Decoder.Feed(model, cache, prompt);
        var vector = new VectorDecoder(model);
        vector.Load(cache);
        Assert.Equal(expected, vector.DecodeActions(vocab, tok));
    }

    [Theory]
    [InlineData(3)]
    [InlineData(7)]
    public void DecodeObject_SameModelAndPrompt_EmitsTheTorchDecodersBinsThenTheSameActions(int seed)
    {
        using var scope = NewDisposeScope();
        var vocab = new Vocabulary(ImageCodes: 9, StateBins: 8, ActionTokens: 12, ObjectBins: 6);
        using var model = Model(vocab.Size, seed);
        using var noGrad = no_grad();
        var tok = new BinActionTokenizer(3, Tiny.Norm2, bins: 12);
        int[] prompt = [Vocabulary.Bos, vocab.Text(65), Vocabulary.Boi, vocab.Image(4), Vocabulary.Eoi, Vocabulary.BoSt, vocab.State(3), Vocabulary.EoSt];
        using var torchCache = new KvCache(model.Config);
        Decoder.Feed(model, torchCache, prompt);
        var expected = Decoder.DecodeObject(model, torchCache, vocab);
        var expectedActions = Decoder.DecodeActions(model, torchCache, Decoder.Feed(model, torchCache, [Vocabulary.Boa]), vocab, tok);

        using var cache = new KvCache(model.Config);
        Decoder.Feed(model, cache, prompt);
        var vector = new VectorDecoder(model);
        vector.Load(cache);
        var bins = vector.DecodeObject(vocab);
        Assert.Equal(expected, bins);
        Assert.All(bins, b => Assert.InRange(b, 0, 5));
        Assert.Equal(expectedActions, vector.DecodeActions(vocab, tok));
    }

    [Fact]
    public void DecodeImage_SameModelAndPrompt_EmitsTheTorchDecodersCodes()
    {
        using var scope = NewDisposeScope();
        var vocab = new Vocabulary(ImageCodes: 9, StateBins: 8, ActionTokens: 12);
        int[] reference = [8, 7, 6, 5, 4, 3, 2, 1, 0];
        int unchanged = 0, changed = 0;
        foreach (var seed in Enumerable.Range(1, 8))
        {
            using var model = Model(vocab.Size, seed);
            using var noGrad = no_grad();
            int[] prompt = [Vocabulary.Bos, vocab.Text(65), Vocabulary.Boi, .. reference.Select(vocab.Image), Vocabulary.Eoi,
                Vocabulary.Boa, vocab.Action(3), vocab.Action(9), Vocabulary.Eoa];
            using var torchCache = new KvCache(model.Config);
            Decoder.Feed(model, torchCache, prompt);
            var expected = Decoder.DecodeImage(model, torchCache, vocab, 3, reference);

            using var cache = new KvCache(model.Config);
            Decoder.Feed(model, cache, prompt);
            var vector = new VectorDecoder(model);
            vector.Load(cache);
            var codes = vector.DecodeImage(vocab, 3, reference)!;

            Assert.Equal(expected, codes);
            unchanged += codes.Where((code, i) => code == reference[i]).Count();
            changed += codes.Where((code, i) => code != reference[i]).Count();
        }
        Assert.True(unchanged > 0 && changed > 0, $"the seeds should exercise both kept ({unchanged}) and changed cells ({changed})");
    }

    [Fact]
    public void DecodeImage_WithBelief_SameCodesAndChangeIsTheSoftmaxMassOffKeepAndTheReference()
    {
        using var scope = NewDisposeScope();
        var vocab = new Vocabulary(ImageCodes: 9, StateBins: 8, ActionTokens: 12);
        int[] reference = [4];                                      // one cell: its logits follow BOI directly
        using var model = Model(vocab.Size, 5);
        using var noGrad = no_grad();
        using var cache = new KvCache(model.Config);
        Decoder.Feed(model, cache, [Vocabulary.Bos, vocab.Text(65), Vocabulary.Boa, vocab.Action(3), Vocabulary.Eoa]);
        var vector = new VectorDecoder(model);
        vector.Load(cache);
        var greedy = vector.DecodeImage(vocab, 1, reference)!;
        vector.Load(cache);
        vector.Step(Vocabulary.Boi);
        var logits = vector.Logits();

        vector.Load(cache);
        var belief = new CellBelief(1);
        var codes = vector.DecodeImage(vocab, 1, reference, belief)!;

        Assert.Equal(greedy, codes);
        int[] allowed = [Vocabulary.Keep, .. Enumerable.Range(vocab.ImageOffset, 9)];
        var total = allowed.Sum(id => Math.Exp(logits[id]));
        var change = 1 - (Math.Exp(logits[Vocabulary.Keep]) + Math.Exp(logits[vocab.Image(4)])) / total;
        Assert.Equal(change, belief.Change[0], 1e-4);
        var others = Enumerable.Range(0, 9).Where(c => c != 4).ToArray();
        Assert.Equal(others.MaxBy(c => logits[vocab.Image(c)]), belief.Alternative[0]);
    }

    [Fact]
    public void DecodeImage_NoRoomForAFrame_ReturnsNull()
    {
        using var scope = NewDisposeScope();
        var vocab = new Vocabulary(ImageCodes: 9, StateBins: 8, ActionTokens: 12);
        using var model = Model(vocab.Size, 1);
        var vector = new VectorDecoder(model);
        for (var i = 0; i < model.Config.BlockSize - Decoder.ImageSpan(3) + 1; i++)
            vector.Step(Vocabulary.Pad);
        Assert.Null(vector.DecodeImage(vocab, 3, new int[9]));
    }

    [Fact]
    public void ArgmaxIn_AlsoAllowedIdScoresHighest_ReturnsIt()
    {
        using var scope = NewDisposeScope();
        using var model = Model(64, 6);
        using var noGrad = no_grad();
        var vector = new VectorDecoder(model);
        vector.Step(Vocabulary.Bos);
        var logits = vector.Logits();
        var top = Array.IndexOf(logits, logits.Max());
        var inRange = vector.ArgmaxIn(0, 64);
        Assert.Equal(top, inRange);
        var (lo, hi) = top < 32 ? (32, 64) : (0, 32);
        Assert.Equal(top, vector.ArgmaxIn(lo, hi, alsoAllowed: top));
        Assert.InRange(vector.ArgmaxIn(lo, hi), lo, hi - 1);
    }

    [Theory]
    [InlineData(0.0, 0.0)]
    [InlineData(0.5, 0.5204998778130465)]
    [InlineData(1.0, 0.8427007929497149)]
    [InlineData(-2.0, -0.9953222650189527)]
    [InlineData(3.5, 0.9999992569016276)]
    public void Erf_KnownValues_AgreeWithin2e7(double x, double expected)
    {
        Assert.Equal(expected, VectorDecoder.Erf(x), 2e-7);
    }
}

public class VectorDecoderSamplingTests
{
    private static VectorDecoder Primed(out float[] logits)
    {
        manual_seed(5);
        using var model = new WorldModel(Tiny.Config(64, 64));
        model.eval();
        using var noGrad = no_grad();
        foreach (var p in model.parameters())
            p.mul_(4);
        using var cache = new KvCache(model.Config);
        Decoder.Feed(model, cache, [1, 9, 17, 33]).Dispose();
        var vector = new VectorDecoder(model);
        vector.Load(cache);
        vector.Step(40);
        logits = vector.Logits();
        return vector;
    }

    [Fact]
    public void PickIn_NoSampling_IsTheGreedyId()
    {
        var vector = Primed(out _);
        Assert.Equal(vector.ArgmaxIn(16, 48), vector.PickIn(16, 48, -1, null));
        Assert.Equal(vector.ArgmaxIn(16, 48), vector.PickIn(16, 48, -1, new Sampling(0, new Random(1))));
    }

    [Fact]
    public void PickIn_Sampling_DrawsAllowedIdsAtTheSoftmaxFrequencies()
    {
        var vector = Primed(out var logits);
        var sampling = new Sampling(1, new Random(7));
        var counts = new int[64];
        const int draws = 20_000;
        for (var i = 0; i < draws; i++)
            counts[vector.PickIn(16, 20, 2, sampling)]++;
        int[] allowed = [2, 16, 17, 18, 19];
        Assert.Equal(draws, allowed.Sum(id => counts[id]));
        var max = allowed.Max(id => logits[id]);
        var z = allowed.Sum(id => Math.Exp(logits[id] - max));
        foreach (var id in allowed)
            Assert.InRange(counts[id] / (double)draws, Math.Exp(logits[id] - max) / z - 0.02, Math.Exp(logits[id] - max) / z + 0.02);
    }
}
