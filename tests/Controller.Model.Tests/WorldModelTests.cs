using Controller.Model.Decoding;
using Controller.Model.Tokens;
using static TorchSharp.torch;

namespace Controller.Model.Tests;

public class WorldModelTests
{
    private static Tensor Ids(params long[] ids) => tensor(ids, 1, ids.Length);

    [Fact]
    public void Forward_ChangingAFutureToken_NeverChangesPastLogits()
    {
        using var scope = NewDisposeScope();
        manual_seed(1);
        using var model = new WorldModel(Tiny.Config());
        model.eval();
        using var noGrad = no_grad();
        long[] a = [1, 5, 9, 13, 17, 21, 25, 29, 33, 37];
        var b = (long[])a.Clone();
        b[6] = 60;
        var la = model.call(Ids(a));
        var lb = model.call(Ids(b));
        var past = (la.narrow(1, 0, 6) - lb.narrow(1, 0, 6)).abs().max().item<float>();
        var future = (la.narrow(1, 6, 4) - lb.narrow(1, 6, 4)).abs().max().item<float>();
        Assert.Equal(0f, past);
        Assert.True(future > 1e-4f, "the changed token should change its own and later logits");
    }

    [Fact]
    public void EmbeddingTable_ImageCodesSharingADigit_ShareThatDigitsRow()
    {
        using var scope = NewDisposeScope();
        manual_seed(4);
        using var model = new WorldModel(Tiny.Config() with { ImageOffset = 16, ImageLevels = [3, 3] });
        using var noGrad = no_grad();
        var table = model.EmbeddingTable();
        var own = model.named_parameters().Single(p => p.name == "wte.weight").parameter;
        var digit0 = model.named_parameters().Single(p => p.name == "digitEmbeddings.0.weight").parameter;
        var digit1 = model.named_parameters().Single(p => p.name == "digitEmbeddings.1.weight").parameter;
        // Code 5 = digits (2, 1): place values 1 and 3.
        var expected = own[16 + 5] + digit0[2] + digit1[1];
        Assert.True((table[16 + 5] - expected).abs().max().item<float>() < 1e-6f);
        Assert.Equal(0f, (table[3] - own[3]).abs().max().item<float>());
        Assert.Equal(0f, (table[40] - own[40]).abs().max().item<float>());
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(true, true)]
    public void Forward_WithKvCache_MatchesFullForwardWithin1e5(bool digitEmbeddings, bool positionsAndPixels)
    {
        using var scope = NewDisposeScope();
        manual_seed(2);
        var config = digitEmbeddings ? Tiny.Config() with { ImageOffset = 16, ImageLevels = [3, 3] } : Tiny.Config();
        using var model = new WorldModel(positionsAndPixels ? config with { AbsolutePositions = true, CodeFeatures = 5 } : config);
        if (positionsAndPixels)
            model.SetCodePixels(rand(9, 5));
        model.eval();
        using var noGrad = no_grad();
        long[] seq = [1, 4, 8, 15, 16, 23, 42, 7, 3, 11, 2, 9];
        var full = model.call(Ids(seq));                                  // (1, T, V)
        using var cache = new KvCache(model.Config);
        // A prefix of 5 in one call, then a chunk of 3 (masked prefill), then one token at a time.
        var parts = new List<Tensor> { model.Forward(Ids(seq[..5]), cache), model.Forward(Ids(seq[5..8]), cache) };
        for (var i = 8; i < seq.Length; i++)
            parts.Add(model.Forward(Ids(seq[i]), cache));
        var cached = cat(parts, 1);
        Assert.Equal(seq.Length, cache.Length);
        Assert.True((full - cached).abs().max().item<float>() < 1e-5f);
    }

    [Fact]
    public void Forward_WithKvCacheAndTextNgrams_MatchesFullForwardWhenTheInstructionComesInOneCall()
    {
        using var scope = NewDisposeScope();
        manual_seed(3);
        using var model = new WorldModel(Tiny.Config() with { AbsolutePositions = true, TextNgramBuckets = 16 });
        model.eval();
        using var noGrad = no_grad();
        long[] seq = [1, 20, 33, 47, 18, 25, 3, 7, 11, 9, 2];             // BOS, five text bytes, then other ids
        var full = model.call(Ids(seq));
        using var cache = new KvCache(model.Config);
        var parts = new List<Tensor> { model.Forward(Ids(seq[..6]), cache) };   // the instruction, as ModelBundle feeds it
        for (var i = 6; i < seq.Length; i++)
            parts.Add(model.Forward(Ids(seq[i]), cache));
        Assert.True((full - cat(parts, 1)).abs().max().item<float>() < 1e-5f);
    }

    [Fact]
    public void Forward_TextNgrams_GiveALastByteItsWord()
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        // No blocks: each position's logits depend on its own embedding only, so only the n-grams can tell words apart.
        var bytesOnly = Tiny.Config(vocab: 272) with { Layers = 0 };
        using var plain = new WorldModel(bytesOnly);
        using var hashed = new WorldModel(bytesOnly with { TextNgramBuckets = 64 });
        float Difference(WorldModel model, string a, string b) => (Last(model, a) - Last(model, b)).abs().max().item<float>();
        static Tensor Last(WorldModel model, string text) => model.call(Ids([1, .. text.Select(c => 16L + c)]))[0, -1];

        Assert.Equal(0f, Difference(plain, "red", "bed"));
        Assert.True(Difference(hashed, "red", "bed") > 1e-6f);
        Assert.Equal(0f, Difference(hashed, "a red", "o red"));   // only the last three bytes count
    }

    [Fact]
    public void MultiplyingParameters_TinyModel_CountsBlocksAndHeadButNoEmbeddingRows()
    {
        using var scope = NewDisposeScope();
        using var model = new WorldModel(Tiny.Config() with { AbsolutePositions = true, TextNgramBuckets = 8, ImageOffset = 16, ImageLevels = [4, 4], CodeFeatures = 3 });
        const int c = 32, v = 64;
        const int block = c * 3 * c + c * c + 2 * (c * 4 * c) + 2 * c;   // qkv, proj, MLP up and down, two norms
        var expected = 2 * block + c + v * c + 3 * c * 16.0 / v;          // + final norm, head, pixel projection at the image share
        Assert.Equal(expected, Benchmarks.ModelBenchmarks.MultiplyingParameters(model), 6);
    }

    [Fact]
    public void TrainThroughput_TinyConfig_CountsTheStepsFlopsAndPairsEachStepWithAPeak()
    {
        var config = Tiny.Config();
        var r = Benchmarks.ModelBenchmarks.TrainThroughput(config, batch: 2, steps: 3, warmUp: 1);

        double n;
        using (var model = new WorldModel(config))
            n = Benchmarks.ModelBenchmarks.MultiplyingParameters(model);
        var t = config.BlockSize - 1;
        Assert.True(r.TokensPerSecond > 0 && r.PeakGflops > 0, $"{r}");
        Assert.Equal(r.TokensPerSecond * (6 * n + 6.0 * config.Layers * t * config.Embd) / 1e9, r.Gflops, 6);
        Assert.InRange(r.FractionOfPeak, 1e-6, 10);                       // a ratio of the two, not a rate
    }

    [Fact]
    public void EmbeddingTable_CodePixelsSet_ChangeImageCodesOnlyAndAreSaved()
    {
        using var scope = NewDisposeScope();
        manual_seed(8);
        using var model = new WorldModel(Tiny.Config() with { ImageOffset = 16, ImageLevels = [3, 3], CodeFeatures = 6 });
        using var noGrad = no_grad();
        var before = model.EmbeddingTable().clone();
        var pixels = rand(9, 6);
        model.SetCodePixels(pixels);
        var changed = (model.EmbeddingTable() - before).abs().sum(1);                 // (V)
        for (var id = 0; id < 64; id++)
            Assert.True(id is >= 16 and < 25 ? changed[id].item<float>() > 1e-4f : changed[id].item<float>() == 0, $"id {id}");
        var exported = Checkpoints.ModuleWeights.Export(model);
        Assert.Equal(1, exported.Count(e => e.Shape.SequenceEqual([9L, 6L])));        // stored once, not also under the field's name
        var saved = exported.Single(e => e.Name == "code_pixels");
        Assert.Equal(pixels.data<float>().ToArray(), saved.ToFloats());
    }

    [Fact]
    public void Forward_BeyondBlockSize_ThrowsAClearError()
    {
        using var scope = NewDisposeScope();
        using var model = new WorldModel(Tiny.Config(block: 8));
        var e = Assert.Throws<ArgumentException>(() => model.call(zeros(1, 9, dtype: ScalarType.Int64)));
        Assert.Contains("BlockSize", e.Message);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void DecodeActions_UntrainedModel_OnlyEmitsActionTokens(int seed)
    {
        using var scope = NewDisposeScope();
        manual_seed(seed);
        var vocab = new Vocabulary(ImageCodes: 9, StateBins: 8, ActionTokens: 12);
        using var model = new WorldModel(Tiny.Config(vocab.Size, 64));
        model.eval();
        using var noGrad = no_grad();
        IActionTokenizer[] tokenizers =
        [
            new BinActionTokenizer(3, Tiny.Norm2, bins: 12),
            new FastActionTokenizer(3, Tiny.Norm2, 4, 5, new Bpe(11, [[5, 5]])),
        ];
        foreach (var tok in tokenizers)
            for (var temp = 0; temp < 2; temp++)
            {
                using var cache = new KvCache(model.Config);
                var logits = Decoder.Feed(model, cache, [Vocabulary.Bos, vocab.Text(65), Vocabulary.Boa]);
                var ids = Decoder.DecodeActions(model, cache, logits, vocab, tok, temperature: temp * 2f, rng: new Random(seed));
                Assert.InRange(ids.Length, 1, tok.MaxTokens);
                Assert.All(ids, id => Assert.InRange(id, 0, tok.VocabSize - 1));
                if (tok.FixedLength)
                    Assert.Equal(tok.MaxTokens, ids.Length);
            }
    }

    [Fact]
    public void ArgmaxIn_LogitsFavourAnotherRange_StaysInsideTheAllowedRange()
    {
        using var scope = NewDisposeScope();
        var logits = zeros(20);
        logits[3] = tensor(100f);
        Assert.InRange(Decoder.ArgmaxIn(logits, 10, 15), 10, 14);
        Assert.Equal(3, Decoder.ArgmaxIn(logits, 10, 15, alsoAllowed: 3));
    }
}
