using System.Text.Json;
using Controller.Model.Checkpoints;
using Controller.Model.Data;
using Controller.Model.Imaging;
using Controller.Model.Tokens;
using Controller.Model.Training;
using static TorchSharp.torch;

namespace Controller.Model.Tests;

public class TrainingTests
{
    [Fact]
    public void Loss_TinyConfigOnAFixedBatch_Falls()
    {
        using var scope = NewDisposeScope();
        manual_seed(5);
        var config = Tiny.Config(vocab: 32, block: 17);
        using var model = new WorldModel(config);
        var rng = new Random(5);
        var samples = Enumerable.Range(0, 4).Select(_ => (Enumerable.Range(0, 17).Select(_ => rng.Next(32)).ToArray(), Enumerable.Repeat(1f, 17).ToArray())).ToList();
        var (x, y, w) = ModelTrainer.Batch(samples, 17);
        var opt = optim.AdamW(model.parameters(), 3e-3);
        float first = 0, last = 0;
        for (var i = 0; i < 40; i++)
        {
            using var step = NewDisposeScope();
            var loss = ModelTrainer.Loss(model, x, y, w);
            opt.zero_grad();
            loss.backward();
            opt.step();
            if (i == 0) first = loss.item<float>();
            last = loss.item<float>();
        }
        Assert.True(last < 0.5f * first, $"loss went {first} → {last}");
    }

    [Fact]
    public void Loss_ZeroWeightPositionsSkipped_EqualsTheDenseLossAndGradients()
    {
        using var scope = NewDisposeScope();
        manual_seed(8);
        using var model = new WorldModel(Tiny.Config(vocab: 32, block: 17));
        var rng = new Random(8);
        // Weights as in a real sequence: 0 for the given context, then 10, 3 and 1, and padding. The first weighted
        // position differs between samples: the last block runs from the earliest one.
        float[] weights = [0, 0, 0, 0, 0, 0, 10, 10, 3, 3, 3, 3, 1, 1, 1, 0, 0];
        float[][] perSample = [weights, [.. weights[2..], 0, 0], [0, 0, .. weights[..^2]]];
        var samples = perSample.Select(ws => (Enumerable.Range(0, 17).Select(_ => rng.Next(32)).ToArray(), ws)).ToList();
        var (x, y, w) = ModelTrainer.Batch(samples, 17);

        var sparse = ModelTrainer.Loss(model, x, y, w);
        sparse.backward();
        var sparseGrads = model.parameters().Select(p => p.grad!.clone()).ToList();
        model.zero_grad();
        var ce = nn.functional.cross_entropy(model.call(x).flatten(0, 1), y.flatten(), reduction: nn.Reduction.None);
        var dense = (ce * w.flatten()).sum() / w.sum();
        dense.backward();

        Assert.Equal(dense.item<float>(), sparse.item<float>(), 1e-5f);
        foreach (var (p, g) in model.parameters().Zip(sparseGrads))
            Assert.True(p.grad!.allclose(g, rtol: 1e-4, atol: 1e-6), "a gradient differs");
    }

    [Fact]
    public void Fsq_CodesThenFromCodes_MatchesTheQuantisedReconstruction()
    {
        using var scope = NewDisposeScope();
        manual_seed(6);
        using var fsq = new FsqImageTokenizer(new FsqConfig { ImageSize = 16, Downsample = 4, Channels = 4, Levels = [5, 3, 3] });
        using var noGrad = no_grad();
        var x = rand(3, 3, 16, 16);
        var codes = fsq.Codes(x);
        Assert.Equal([3L, 16], codes.shape);
        Assert.True(codes.min().item<long>() >= 0 && codes.max().item<long>() < 45);
        var direct = fsq.Decode(fsq.Quantize(fsq.Encode(x))).clamp(0, 1);
        Assert.True((direct - fsq.FromCodes(codes)).abs().max().item<float>() < 1e-5f);
    }

    [Fact]
    public void SequenceLayout_OneTimestep_HasTheDocumentedShape()
    {
        var vocab = new Vocabulary(875, 256, 256);
        var layout = new SequenceLayout(vocab, 8, 2);
        var seq = new List<int>();
        layout.Image(seq, new int[64]);
        Assert.Equal(layout.ImageSpan, seq.Count);
        Assert.Equal(Vocabulary.Boi, seq[0]);
        Assert.Equal(Vocabulary.Eol, seq[9]);
        Assert.Equal(Vocabulary.Eoi, seq[^1]);
        Assert.Equal(new int[64], layout.ParseImage(seq));
        Assert.Equal(16 + 256 + 875 + 256 + 256, vocab.Size);
    }

    [Fact]
    public void Object_ObjectGoalAndWaypoint_UseEachAxissOwnIdsAndRoundTripWithinHalfABin()
    {
        var vocab = new Vocabulary(9, 8, 12, ObjectBins: 64);
        var layout = new SequenceLayout(vocab, Grid: 2, StateDims: 2);
        var norm = new Normalizer([0f, -0.4f, 0.1f, -0.2f, 0.1f, -0.3f, 0f], [0.4f, 0.4f, 0.3f, 0.2f, 0.4f, 0.3f, 0.15f]);
        float[] scene = [0.25f, -0.13f, 0.3f, 0.05f, 0.21f, -0.02f, 0.09f];   // object x, y, goal x, y, tip x, y, z
        var seq = new List<int>();
        layout.Object(seq, scene, norm);
        Assert.Equal(2 + Vocabulary.SceneDims, seq.Count);
        Assert.Equal(Vocabulary.BoOb, seq[0]);
        Assert.Equal(Vocabulary.EoOb, seq[^1]);
        var bins = new int[Vocabulary.SceneDims];
        for (var d = 0; d < bins.Length; d++)
        {
            Assert.InRange(seq[1 + d], vocab.ObjectOffset + d * 64, vocab.ObjectOffset + d * 64 + 63);
            bins[d] = seq[1 + d] - vocab.ObjectOffset - d * 64;
        }
        Assert.True(vocab.IsObject(seq[1]) && !vocab.IsAction(seq[1]) && vocab.IsObject(seq[^2]));
        var back = layout.ObjectPosition(bins, norm);
        for (var d = 0; d < bins.Length; d++)
            Assert.Equal(scene[d], back[d], (norm.High[d] - norm.Low[d]) / 64 / 2 + 1e-6f);
        Assert.Equal(16 + 256 + 9 + 8 + 12 + 7 * 64, vocab.Size);
        Assert.Equal(16 + 256 + 9 + 8 + 12 + 4 * 64, (vocab with { ObjectDims = 4 }).Size);   // checkpoints before waypoint tokens
        Assert.Equal(16 + 256 + 9 + 8 + 12 + 2 * 64, (vocab with { ObjectDims = 2 }).Size);   // checkpoints before goal tokens
    }

    /// <summary>What the BuildSample tests share: a 6-step squares episode, its 16-bin chunk tokenizer and all-zero codes per frame.</summary>
    private static (Episode E, BinActionTokenizer Actions, int[][] Codes) SampleParts()
    {
        var e = SquaresWorld.Demonstrate(0, maxSteps: 6, size: 16);
        var actions = new BinActionTokenizer(2, Normalizer.Fit(e.Actions, e.Dims), bins: 16);
        return (e, actions, [.. Enumerable.Range(0, e.Steps).Select(_ => new int[Tiny.Fsq.TokensPerImage])]);
    }

    [Fact]
    public void BuildSample_CustomWeights_ZeroForTheGivenContextThenObjectActionAndFrameWeights()
    {
        var (e, actions, codes) = SampleParts();
        var objects = Normalizer.Fit(e.Objects!, 2);
        var vocab = new Vocabulary(Tiny.Fsq.CodebookSize, 8, actions.VocabSize, ObjectBins: 4, ObjectDims: 2);
        var layout = new SequenceLayout(vocab, Tiny.Fsq.Grid, e.Dims, MaxInstructionBytes: 32, PadInstruction: true);
        var manifest = new ModelManifest(Tiny.Fsq, Tiny.Config(vocab.Size, 128), actions.ToConfig(), Normalizer.Fit(e.States, e.Dims), 8, 32, 0.05, 1, 0, "",
            ActionFrame.Absolute, 4, objects);
        var s = new ModelTrainSettings { Horizon = 2, ObjectLossWeight = 7, ActionLossWeight = 5, FrameLossWeight = 2 };

        var (ids, w) = ModelTrainer.BuildSample(layout, actions, manifest, e, codes, 0, s, 128);

        var given = 1 + 32 + layout.ImageSpan + layout.StateSpan;
        var spans = new[] { (0f, given), (7f, layout.ObjectSpan), (5f, 2 + actions.MaxTokens), (2f, layout.ImageSpan) };
        var at = 0;
        foreach (var (weight, length) in spans)
        {
            Assert.All(w.Skip(at).Take(length), x => Assert.Equal(weight, x));
            at += length;
        }
        Assert.All(w.Skip(at), x => Assert.Equal(0f, x));                           // padding
        Assert.All(ids.Skip(at), id => Assert.Equal(Vocabulary.Pad, id));
    }

    [Theory]
    [InlineData(false, 3, 2f)]
    [InlineData(false, 4, 2f)]                                                       // clamped target, still weighted
    [InlineData(true, 3, 2f)]                                                        // t + H = 5 is the last frame
    [InlineData(true, 4, 0f)]                                                        // t + H = 6 is past it
    public void BuildSample_FrameOnlyAhead_ZeroFrameWeightWhereTheFrameHStepsAheadIsPastTheEnd(bool onlyAhead, int t, float expected)
    {
        var (e, actions, codes) = SampleParts();
        Assert.Equal(6, e.Steps);
        var vocab = new Vocabulary(Tiny.Fsq.CodebookSize, 8, actions.VocabSize);
        var layout = new SequenceLayout(vocab, Tiny.Fsq.Grid, e.Dims, MaxInstructionBytes: 32, PadInstruction: true);
        var manifest = new ModelManifest(Tiny.Fsq, Tiny.Config(vocab.Size, 128), actions.ToConfig(), Normalizer.Fit(e.States, e.Dims), 8, 32, 0.05, 1, 0, "",
            ActionFrame.Absolute, 4);
        var s = new ModelTrainSettings { Horizon = 2, FrameLossWeight = 2, FrameOnlyAhead = onlyAhead };

        var (_, w) = ModelTrainer.BuildSample(layout, actions, manifest, e, codes, t, s, 128);

        var frameStart = 1 + 32 + layout.ImageSpan + layout.StateSpan + 2 + actions.MaxTokens;
        Assert.All(w.Skip(frameStart).Take(layout.ImageSpan), x => Assert.Equal(expected, x));
        Assert.Equal(s.ActionLossWeight, w[frameStart - 1]);                       // the actions keep their weight
    }

    [Fact]
    public void BuildSample_SceneFirst_PutsTheStateBetweenTheSceneAndTheActions()
    {
        var (e, actions, codes) = SampleParts();
        var vocab = new Vocabulary(Tiny.Fsq.CodebookSize, 8, actions.VocabSize, ObjectBins: 4, ObjectDims: 2);
        var layout = new SequenceLayout(vocab, Tiny.Fsq.Grid, e.Dims, MaxInstructionBytes: 32, PadInstruction: true, SceneFirst: true);
        var manifest = new ModelManifest(Tiny.Fsq, Tiny.Config(vocab.Size, 128), actions.ToConfig(), Normalizer.Fit(e.States, e.Dims), 8, 32, 0.05, 1, 0, "",
            ActionFrame.Absolute, 4, Normalizer.Fit(e.Objects!, 2), SceneFirst: true);
        var s = new ModelTrainSettings { Horizon = 2, ObjectLossWeight = 7, ActionLossWeight = 5, FrameLossWeight = 2 };

        var (ids, w) = ModelTrainer.BuildSample(layout, actions, manifest, e, codes, 0, s, 128);

        var scene = 1 + 32 + layout.ImageSpan;
        Assert.Equal(Vocabulary.BoOb, ids[scene]);
        Assert.Equal(Vocabulary.BoSt, ids[scene + layout.ObjectSpan]);
        Assert.Equal(Vocabulary.Boa, ids[scene + layout.ObjectSpan + layout.StateSpan]);
        Assert.All(w.Take(scene), x => Assert.Equal(0f, x));
        Assert.All(w.Skip(scene).Take(layout.ObjectSpan), x => Assert.Equal(7f, x));
        Assert.All(w.Skip(scene + layout.ObjectSpan).Take(layout.StateSpan), x => Assert.Equal(0f, x));   // the state stays given
        Assert.Equal(5f, w[scene + layout.ObjectSpan + layout.StateSpan]);
    }

    [Fact]
    public void Instruction_PadInstruction_PutsWhatFollowsAtOnePosition()
    {
        var layout = new SequenceLayout(new Vocabulary(9, 8, 12), Grid: 2, StateDims: 2, MaxInstructionBytes: 8, PadInstruction: true);
        foreach (var text in new[] { "go", "go left!", "a much longer instruction" })
        {
            var seq = new List<int>();
            layout.Instruction(seq, text);
            Assert.Equal(1 + 8, seq.Count);
            Assert.Equal(layout.Vocab.Text((byte)text[0]), seq[1]);
            Assert.All(seq.Skip(1 + Math.Min(text.Length, 8)), id => Assert.Equal(Vocabulary.Pad, id));
        }
        var unpadded = new List<int>();
        (layout with { PadInstruction = false }).Instruction(unpadded, "go");
        Assert.Equal(3, unpadded.Count);
    }

    [Fact]
    public void TokenizerTrainer_TwoStepsThenResume_ContinuesFromTheCheckpoint()
    {
        var episodes = Tiny.Episodes(3);
        var dir = TestTemp.NewDir("tok-");
        var config = new FsqConfig { ImageSize = 16, Downsample = 8, Channels = 4, Levels = [3, 3] };
        var o = new TrainOptions { Steps = 2, Batch = 2, CheckpointEvery = 1 };
        TokenizerTrainer.Train(episodes, config, dir, o);
        var report = TokenizerTrainer.Train(episodes, config, dir, o with { Steps = 3, Resume = true });
        Assert.Equal(3, report.Step);
        Assert.Equal(4, File.ReadAllLines(Path.Combine(dir, "tokenizer_loss.csv")).Length);
        Assert.True(File.Exists(Path.Combine(dir, "tokenizer_loss.png")));
    }

    [Fact]
    public void ModelTrainer_TinyRunOnEpisodesWithObjects_ShipsObjectTokensAndMeasuresTheirError()
    {
        var episodes = Tiny.Episodes(4);
        var (dir, tokenizer) = Tiny.TrainedTokenizer(episodes, "model-train-");
        var settings = Tiny.ModelSettings with { ObjectBins = 16, HeldOutSamples = 4 };
        var report = ModelTrainer.Train(episodes, tokenizer, settings, Path.Combine(dir, "model"), new TrainOptions { Steps = 3, Batch = 2 });

        Assert.InRange(report.HeldOutObjectError, 0, 1.5);   // unit square: a decoded position, not NaN
        using var bundle = Policy.ModelBundle.Load(Path.Combine(dir, "model"), warmUpTicks: 0);
        Assert.Equal(16, bundle.Manifest.ObjectBins);
        Assert.True(bundle.Layout.HasObject);
        Assert.Equal(2, bundle.PredictActions(SquaresWorld.Instruction, episodes[0].Frames[0], episodes[0].States[0]).Object!.Length);
    }

    [Fact]
    public void Evaluate_EpisodesEndingWithinTheHorizon_ScoresImaginationOnlyWhereTheFrameAheadExists()
    {
        var episodes = Tiny.Episodes(3);
        var (dir, tokenizer) = Tiny.TrainedTokenizer(episodes, "model-eval-");
        var settings = Tiny.ModelSettings;
        ModelTrainer.Train(episodes, tokenizer, settings, Path.Combine(dir, "model"), new TrainOptions { Steps = 1, Batch = 2 });
        var e = episodes[0];
        var ended = e with { Frames = e.Frames[..2], States = e.States[..2], Actions = e.Actions[..2] };   // no frame 2 steps ahead

        var report = ModelTrainer.Evaluate(Path.Combine(dir, "model"), [.. episodes, ended], maxSamples: 10_000);

        Assert.Equal(episodes.Sum(x => x.Steps - 2), report.ImaginationSamples);
        Assert.True(report.ImaginedGainMargin95 > 0, $"margin {report.ImaginedGainMargin95}");
    }

    [Fact]
    public void Margin95_FourValues_IsTheNormalIntervalsHalfWidth()
    {
        Assert.Equal(1.96 * Math.Sqrt(5.0 / 3 / 4), ModelTrainer.Margin95([1, 2, 3, 4]), 12);
        Assert.True(double.IsNaN(ModelTrainer.Margin95([1])));
    }

    [Fact]
    public void BatchRandom_SameSeedAndStep_DrawsWhatEveryProcessDraws()
    {
        // Pinned values: a per-process hash seed (HashCode.Combine) would draw different batches in every run.
        Assert.Equal([1305043734, 676825153, 1837095473], Draws(new TrainOptions { Seed = 1 }.BatchRandom(0)));
        Assert.Equal(Draws(new TrainOptions { Seed = 1 }.BatchRandom(7)), Draws(new TrainOptions { Seed = 1 }.BatchRandom(7)));
        Assert.NotEqual(Draws(new TrainOptions { Seed = 1 }.BatchRandom(7)), Draws(new TrainOptions { Seed = 2 }.BatchRandom(7)));

        static int[] Draws(Random r) => [r.Next(), r.Next(), r.Next()];
    }

    [Fact]
    public void WeightAverage_UpdateThenApplied_HoldsTheAverageUntilDisposed()
    {
        using var scope = NewDisposeScope();
        using var layer = nn.Linear(3, 2, hasBias: false);
        using (no_grad())
            layer.weight!.fill_(0);
        using var average = new WeightAverage(layer, decay: 0.9);
        using (no_grad())
            layer.weight!.fill_(1);
        average.Update(step: 1000);                  // decay 0.9 by then: 0.9·0 + 0.1·1

        using (average.Applied())
            Assert.Equal(0.1f, layer.weight!.mean().item<float>(), 5);
        Assert.Equal(1f, layer.weight!.mean().item<float>(), 5);
    }

    [Fact]
    public void ModelTrainer_WeightAverageInterruptedAndResumed_SavesWhatAnUninterruptedRunSaves()
    {
        var episodes = Tiny.Episodes(4);
        var (dir, tokenizer) = Tiny.TrainedTokenizer(episodes, "model-ema-");
        var settings = Tiny.ModelSettings;
        var o = new TrainOptions { Steps = 4, Batch = 2, CheckpointEvery = 1, WeightAverage = 0.5, LearningRate = 1e-2 };
        ModelTrainer.Train(episodes, tokenizer, settings, Path.Combine(dir, "straight"), o);
        ModelTrainer.Train(episodes, tokenizer, settings, Path.Combine(dir, "resumed"), o with { Steps = 2 });
        ModelTrainer.Train(episodes, tokenizer, settings, Path.Combine(dir, "resumed"), o with { Resume = true });

        foreach (var file in new[] { ModelTrainer.WeightsFile, ModelTrainer.TrainWeightsFile })
        {
            var straight = SafeTensors.Read(Path.Combine(dir, "straight", file)).Tensors;
            var resumed = SafeTensors.Read(Path.Combine(dir, "resumed", file)).Tensors;
            foreach (var (name, entry) in straight)
                Assert.Equal(entry.ToFloats(), resumed[name].ToFloats(), (a, b) => Math.Abs(a - b) < 1e-6);
        }
        var averaged = SafeTensors.Read(Path.Combine(dir, "straight", ModelTrainer.WeightsFile)).Tensors;
        var trained = SafeTensors.Read(Path.Combine(dir, "straight", ModelTrainer.TrainWeightsFile)).Tensors;
        Assert.Contains(averaged, kv => !kv.Value.ToFloats().SequenceEqual(trained[kv.Key].ToFloats()));
    }

    [Fact]
    public void ModelTrainer_ResumedAtItsLastStep_RemeasuresButKeepsTheTrainingNumbers()
    {
        var episodes = Tiny.Episodes(4);
        var (dir, tokenizer) = Tiny.TrainedTokenizer(episodes, "model-remeasure-");
        var settings = Tiny.ModelSettings;
        var o = new TrainOptions { Steps = 2, Batch = 2 };
        var model = Path.Combine(dir, "model");

        var trained = ModelTrainer.Train(episodes, tokenizer, settings, model, o);
        var remeasured = ModelTrainer.Train(episodes, tokenizer, settings, model, o with { Resume = true });

        Assert.False(double.IsNaN(trained.TrainLoss));
        Assert.Equal((trained.Step, trained.TrainLoss, trained.TokensPerSecond, trained.Seconds),
            (remeasured.Step, remeasured.TrainLoss, remeasured.TokensPerSecond, remeasured.Seconds));
        Assert.Equal(trained.ImaginedPsnr, remeasured.ImaginedPsnr, 6);
        Assert.Contains($"\"TrainLoss\": {trained.TrainLoss.ToString(System.Globalization.CultureInfo.InvariantCulture)}", File.ReadAllText(Path.Combine(model, "model_report.json")));
    }

    [Fact]
    public void ModelTrainer_InitFrom_StartsFromTheCheckpointAndKeepsItsTokensMeaning()
    {
        var episodes = Tiny.Episodes(8);
        var (dir, tokenizer) = Tiny.TrainedTokenizer(episodes, "model-init-");
        var settings = Tiny.ModelSettings;
        var o = new TrainOptions { Steps = 4, Batch = 2, LearningRate = 1e-2 };
        var baseDir = Path.Combine(dir, "base");
        ModelTrainer.Train(episodes.Take(4).ToList(), tokenizer, settings, baseDir, o);
        // Other data: a fresh run would fit other normalisers; a fine-tune keeps the checkpoint's.
        ModelTrainer.Train(episodes.Skip(4).ToList(), tokenizer, settings, Path.Combine(dir, "fresh"), o);
        ModelTrainer.Train(episodes.Skip(4).ToList(), tokenizer, settings, Path.Combine(dir, "copied"), o with { Steps = 0, InitFrom = baseDir });
        ModelTrainer.Train(episodes.Skip(4).ToList(), tokenizer, settings, Path.Combine(dir, "tuned"), o with { Steps = 2, InitFrom = baseDir });

        var weights = SafeTensors.Read(Path.Combine(baseDir, ModelTrainer.WeightsFile));
        var copied = SafeTensors.Read(Path.Combine(dir, "copied", ModelTrainer.WeightsFile));
        var tuned = SafeTensors.Read(Path.Combine(dir, "tuned", ModelTrainer.WeightsFile));
        foreach (var (name, entry) in weights.Tensors)
            Assert.Equal(entry.ToFloats(), copied.Tensors[name].ToFloats());
        Assert.Contains(weights.Tensors, kv => !kv.Value.ToFloats().SequenceEqual(tuned.Tensors[kv.Key].ToFloats()));

        string Meaning(string run)
        {
            var m = ModelManifest.FromJson(File.ReadAllText(Path.Combine(dir, run, "config.json")), run);
            return JsonSerializer.Serialize(new { m.State, m.Actions, m.Model }, ModelManifest.Json);
        }
        Assert.Equal(Meaning("base"), Meaning("tuned"));
        Assert.NotEqual(Meaning("base"), Meaning("fresh"));
    }

    [Fact]
    public void ModelTrainer_InitFromWithAnotherHorizon_FailsSayingWhatDiffers()
    {
        var episodes = Tiny.Episodes(4);
        var (dir, tokenizer) = Tiny.TrainedTokenizer(episodes, "model-init-");
        var settings = Tiny.ModelSettings;
        var o = new TrainOptions { Steps = 1, Batch = 2 };
        ModelTrainer.Train(episodes, tokenizer, settings, Path.Combine(dir, "base"), o);

        var e = Assert.Throws<CheckpointException>(() => ModelTrainer.Train(episodes, tokenizer, settings with { Horizon = 3 }, Path.Combine(dir, "tuned"), o with { InitFrom = Path.Combine(dir, "base") }));
        Assert.Contains("horizon 2", e.Message);
        Assert.Contains("bins, 3", e.Message);
        Assert.Throws<CheckpointException>(() => ModelTrainer.Train(episodes, tokenizer, settings, Path.Combine(dir, "tuned"), o with { InitFrom = Path.Combine(dir, "missing") }));
    }

    [Fact]
    public void Chunk_AbsoluteAndDelta_DifferByTheStateAtTheChunksStart()
    {
        var e = SquaresWorld.Demonstrate(4, maxSteps: 6, size: 16);
        var absolute = e.Chunk(2, 8, ActionFrame.Absolute);
        var delta = e.Chunk(2, 8, ActionFrame.Delta);
        for (var k = 0; k < 8; k++)
            for (var d = 0; d < e.Dims; d++)
            {
                Assert.Equal(e.Actions[Math.Min(2 + k, e.Steps - 1)][d], absolute[k][d]);
                Assert.Equal(absolute[k][d] - e.States[2][d], delta[k][d], 1e-6);
            }
    }

    [Fact]
    public void Image_AgainstAReference_WritesKeepForUnchangedCells()
    {
        var vocab = new Vocabulary(9, 8, 12);
        var layout = new SequenceLayout(vocab, Grid: 2, StateDims: 2);
        var seq = new List<int>();
        layout.Image(seq, [1, 2, 3, 4], [1, 5, 3, 0]);
        Assert.Equal([Vocabulary.Boi, Vocabulary.Keep, vocab.Image(2), Vocabulary.Eol, Vocabulary.Keep, vocab.Image(4), Vocabulary.Eol, Vocabulary.Eoi], seq);
    }
}
