using Controller.Abstractions;
using Controller.Model.Checkpoints;
using Controller.Model.Decoding;
using Controller.Model.Policy;
using Controller.Model.Runtime;
using Controller.Model.Tokens;
using Controller.Model.Training;

namespace Controller.Model.Tests;

public class PolicyTests
{
    private static Observation Obs(int size, int seed, double[]? positions = null) => new(
        new Dictionary<string, Frame> { ["cam"] = new("cam", PixelFormat.Rgb8, size, size, DateTimeOffset.UnixEpoch, Tiny.Image(size, seed)) },
        new RobotState(["j1", "j2"], positions ?? [0.1, -0.2], [0, 0], DateTimeOffset.UnixEpoch),
        "go", DateTimeOffset.UnixEpoch);

    [Fact]
    public void Infer_ValidObservation_ReturnsAChunkOfJointTargetsWithTokens()
    {
        using var policy = new ModelPolicy(ModelBundle.Load(Tiny.CheckpointDir()));
        var chunk = policy.Infer(Obs(16, 1));
        Assert.Equal(2, chunk.Steps);
        Assert.All(chunk.Targets, t => Assert.Equal(2, t.Length));
        Assert.Equal(4, chunk.Tokens!.Length);
        Assert.Equal(CommandSource.Policy, chunk.Source);
    }

    [Fact]
    public void PredictActions_CheckpointWithObjectTokens_PutsTheObjectInsideTheTrainedRange()
    {
        using var bundle = ModelBundle.Load(Tiny.CheckpointDir(objectBins: 5));
        var before = TorchInfo.LiveTensors;
        var prediction = bundle.PredictActions("go", Tiny.Image(16, 3), [0.1f, -0.2f]);
        Assert.Equal(4, prediction.Tokens.Length);
        var scene = prediction.Object!;
        Assert.Equal(Vocabulary.SceneDims, scene.Length);
        var range = bundle.Manifest.Objects!;
        for (var d = 0; d < scene.Length; d++)
            Assert.InRange(scene[d], range.Low[d], range.High[d]);
        Assert.NotNull(bundle.Imagine("go", Tiny.Image(16, 3), [0.1f, -0.2f]));
        Assert.Equal(before, TorchInfo.LiveTensors);
    }

    [Fact]
    public void PredictActions_SceneFirstCheckpoint_DecodesSceneThenStateThenActionsAsTheTorchDecoder()
    {
        var dir = Tiny.CheckpointDir(objectBins: 5, sceneFirst: true);
        var manifest = ModelManifest.FromJson(File.ReadAllText(Path.Combine(dir, "config.json")), dir);
        using var model = new WorldModel(manifest.Model);
        ModuleWeights.Load(model, Path.Combine(dir, ModelTrainer.WeightsFile));
        model.eval();
        using var scope = TorchSharp.torch.NewDisposeScope();
        using var noGrad = TorchSharp.torch.no_grad();
        // A fresh model's greedy tokens hardly depend on the context; larger weights make every token they see count.
        foreach (var p in model.parameters())
            p.mul_(6);
        ModelTrainer.SaveCheckpoint(model, manifest, dir);
        using var bundle = ModelBundle.Load(dir);
        Assert.True(bundle.Layout.SceneFirst);
        var rgb = Tiny.Image(16, 3);
        float[] state = [0.1f, -0.2f];
        var prompt = new List<int>();
        bundle.Layout.Instruction(prompt, "go");
        bundle.Layout.Image(prompt, bundle.EncodeFrame(rgb));
        using var cache = new KvCache(model.Config);
        Decoder.Feed(model, cache, prompt);
        var scene = Decoder.DecodeObject(model, cache, bundle.Layout.Vocab);
        var stateTokens = new List<int>();
        bundle.Layout.State(stateTokens, state, bundle.Manifest.State);
        Decoder.Feed(model, cache, stateTokens);
        var logits = Decoder.Feed(model, cache, [Vocabulary.Boa]);
        var expected = Decoder.DecodeActions(model, cache, logits, bundle.Layout.Vocab, bundle.ActionTokenizer);

        var prediction = bundle.PredictActions("go", rgb, state);

        Assert.Equal(expected, prediction.Tokens);
        Assert.Equal(bundle.Layout.ObjectPosition(scene, bundle.Manifest.Objects!), prediction.Object);
        // The scene is read before the joints: another state cannot change it.
        Assert.Equal(prediction.Object, bundle.PredictActions("go", rgb, [-0.9f, 0.9f]).Object);
        Assert.NotNull(bundle.ImagineCodes("go", rgb, state, prediction.Tokens, out _));
    }

    [Fact]
    public void PredictActions_CheckpointWithoutObjectTokens_ReturnsNoObject()
    {
        using var bundle = ModelBundle.Load(Tiny.CheckpointDir());
        Assert.Null(bundle.PredictActions("go", Tiny.Image(16, 3), [0.1f, -0.2f]).Object);
    }

    [Fact]
    public void Infer_FrameOfAnotherSizeAndFormat_IsResizedNotRejected()
    {
        using var policy = new ModelPolicy(ModelBundle.Load(Tiny.CheckpointDir("fast")));
        var obs = Obs(16, 1) with { Frames = new Dictionary<string, Frame> { ["c"] = new("c", PixelFormat.Bgr8, 40, 30, DateTimeOffset.UnixEpoch, new byte[40 * 30 * 3]) } };
        var chunk = policy.Infer(obs);
        Assert.Equal(2, chunk.Steps);
    }

    [Fact]
    public void Infer_BadInputs_ReturnEmptyChunksInsteadOfThrowing()
    {
        using var policy = new ModelPolicy(ModelBundle.Load(Tiny.CheckpointDir()));
        Assert.Empty(policy.Infer(Obs(16, 1, [double.NaN, 0])).Targets);
        Assert.Empty(policy.Infer(Obs(16, 1) with { Frames = new Dictionary<string, Frame>() }).Targets);
        var broken = Obs(16, 1) with { Frames = new Dictionary<string, Frame> { ["c"] = new("c", PixelFormat.Rgb8, 16, 16, DateTimeOffset.UnixEpoch, new byte[5]) } };
        Assert.Empty(policy.Infer(broken).Targets);
        Assert.Empty(policy.Infer(Obs(16, 1) with { State = new RobotState(["a"], [0.0], [], DateTimeOffset.UnixEpoch) }).Targets);
    }

    [Fact]
    public void Infer_ThousandTicks_LiveTensorCountStaysFlat()
    {
        using var policy = new ModelPolicy(ModelBundle.Load(Tiny.CheckpointDir()));
        policy.Infer(Obs(16, 0));
        var before = TorchInfo.LiveTensors;
        for (var i = 0; i < 1000; i++)
            policy.Infer(Obs(16, i % 7));
        Assert.Equal(before, TorchInfo.LiveTensors);
    }

    [Fact]
    public void Imagine_TinyModel_ReturnsAFrameOfTheTokenizerSize()
    {
        using var policy = new ModelPolicy(ModelBundle.Load(Tiny.CheckpointDir()));
        var before = TorchInfo.LiveTensors;
        var img = policy.Imagine(Obs(16, 2));
        Assert.NotNull(img);
        Assert.Equal(16 * 16 * 3, img.Length);
        Assert.Equal(before, TorchInfo.LiveTensors);
    }

    [Fact]
    public void Imagine_BetweenTicks_LeavesTheNextChunksUnchanged()
    {
        using var bundle = ModelBundle.Load(Tiny.CheckpointDir());
        using var plain = new ModelPolicy(bundle, ownsBundle: false);
        using var dreaming = new ModelPolicy(bundle, ownsBundle: false);
        var expected = new[] { 1, 2, 3 }.Select(i => plain.Infer(Obs(16, i)).Targets).ToList();

        var actual = new[] { 1, 2, 3 }.Select(i =>
        {
            Assert.NotNull(dreaming.Imagine(Obs(16, i + 10)));             // another scene in between: the shared cache moves
            return dreaming.Infer(Obs(16, i)).Targets;
        }).ToList();

        Assert.Equal(expected, actual);
        Assert.Equal(Tiny.ModelSettings.Horizon, dreaming.ImagineHorizon);
    }

    [Fact]
    public void Infer_StepsPerChunkSet_ReturnsOnlyTheFirstSteps()
    {
        using var bundle = ModelBundle.Load(Tiny.CheckpointDir());
        using var full = new ModelPolicy(bundle, ownsBundle: false);
        using var receding = new ModelPolicy(bundle, ownsBundle: false, options: new ModelPolicyOptions(StepsPerChunk: 1));
        var all = full.Infer(Obs(16, 3));
        var first = receding.Infer(Obs(16, 3));
        Assert.Equal(1, first.Steps);
        Assert.Equal(all.Targets[0], first.Targets[0]);
    }

    [Fact]
    public void Infer_EnsembleSet_ReturnsOneStepThatAveragesTheChunksCoveringNow()
    {
        using var bundle = ModelBundle.Load(Tiny.CheckpointDir());
        using var plain = new ModelPolicy(bundle, ownsBundle: false, options: new ModelPolicyOptions(Temperature: 0));
        using var ensembled = new ModelPolicy(bundle, ownsBundle: false, options: new ModelPolicyOptions(EnsembleDecay: 0, Temperature: 0));
        var period = TimeSpan.FromSeconds(bundle.Manifest.StepPeriodSeconds);
        var first = Obs(16, 3);
        var second = Obs(16, 4, [0.3, 0.1]) with { Stamp = first.Stamp + period };
        var earlier = plain.Infer(first);
        var later = plain.Infer(second);

        Assert.Equal(earlier.Targets[0], ensembled.Infer(first).Targets[0]);
        var blended = ensembled.Infer(second);
        Assert.Equal(1, blended.Steps);
        for (var j = 0; j < 2; j++)
            Assert.Equal((earlier.Targets[1][j] + later.Targets[0][j]) / 2, blended.Targets[0][j], 5);
        ensembled.Reset();
        Assert.Equal(later.Targets[0], ensembled.Infer(second).Targets[0]);
    }

    [Fact]
    public void Infer_StallTemperatureSet_SamplesOnlyAfterTheArmStoodStillForAChunk()
    {
        using var bundle = ModelBundle.Load(Tiny.CheckpointDir());
        using var greedy = new ModelPolicy(bundle, ownsBundle: false, options: new ModelPolicyOptions(Temperature: 0));
        using var policy = new ModelPolicy(bundle, ownsBundle: false, options: new ModelPolicyOptions(StallTemperature: 100, Seed: 3, Temperature: 0));
        var chunk = TimeSpan.FromSeconds(bundle.Manifest.StepPeriodSeconds) * bundle.ActionTokenizer.Horizon;
        var first = Obs(16, 3);
        var expected = greedy.Infer(first).Tokens;

        Assert.Equal(expected, policy.Infer(first).Tokens);
        Assert.Equal(expected, policy.Infer(first with { Stamp = first.Stamp + chunk / 2 }).Tokens);   // not a whole chunk yet
        // Still after a whole chunk: at temperature 100 the draw is near uniform over the bins, so it cannot match greedy.
        Assert.NotEqual(expected, policy.Infer(first with { Stamp = first.Stamp + chunk }).Tokens);
        policy.Reset();
        Assert.Equal(expected, policy.Infer(first with { Stamp = first.Stamp + 2 * chunk }).Tokens);
    }

    [Fact]
    public void Infer_TemperatureSet_SamplesEveryPlanReproduciblyPerSeed()
    {
        using var bundle = ModelBundle.Load(Tiny.CheckpointDir());
        using var greedy = new ModelPolicy(bundle, ownsBundle: false, options: new ModelPolicyOptions(Temperature: 0));
        using var sampled = new ModelPolicy(bundle, ownsBundle: false, options: new ModelPolicyOptions(Temperature: 100, Seed: 3));
        using var again = new ModelPolicy(bundle, ownsBundle: false, options: new ModelPolicyOptions(Temperature: 100, Seed: 3));
        var first = Obs(16, 3);

        var drawn = sampled.Infer(first).Tokens;
        // At temperature 100 the draw is near uniform over the bins: the first plan already differs from greedy.
        Assert.NotEqual(greedy.Infer(first).Tokens, drawn);
        Assert.Equal(drawn, again.Infer(first).Tokens);
    }

    [Fact]
    public void PredictActions_InstructionCachedAcrossTicks_MatchesAFreshBundle()
    {
        var dir = Tiny.CheckpointDir();
        using var warm = ModelBundle.Load(dir);
        using var fresh = ModelBundle.Load(dir);
        float[] state = [0.1f, -0.2f];
        warm.PredictActions("go", Tiny.Image(16, 1), state);
        warm.PredictActions("stop there", Tiny.Image(16, 2), state);
        warm.PredictActions("go", Tiny.Image(16, 4), state);
        var again = warm.PredictActions("go", Tiny.Image(16, 5), state);
        var once = fresh.PredictActions("go", Tiny.Image(16, 5), state);
        Assert.Equal(once.Tokens, again.Tokens);
        Assert.Equal(once.Targets, again.Targets);
    }

    [Fact]
    public void RenderAgainst_CodesOfTheReference_KeepsEveryReferencePixel()
    {
        using var bundle = ModelBundle.Load(Tiny.CheckpointDir());
        var reference = Tiny.Image(16, 6);
        var rendered = bundle.RenderAgainst(bundle.EncodeFrame(reference), reference);
        Assert.Equal(reference, rendered);
    }

    [Fact]
    public void RenderAgainst_OneChangedCode_RedrawsOnlyThatPatch()
    {
        using var bundle = ModelBundle.Load(Tiny.CheckpointDir());
        var reference = Tiny.Image(16, 7);
        var codes = bundle.EncodeFrame(reference);
        codes[0] = (codes[0] + 1) % bundle.Manifest.Image.CodebookSize;
        var rendered = bundle.RenderAgainst(codes, reference);
        var decoded = bundle.DecodeCodes(codes);
        int size = bundle.ImageSize, patch = size / bundle.Layout.Grid;
        for (var y = 0; y < size; y++)
            for (var x = 0; x < size; x++)
                for (var ch = 0; ch < 3; ch++)
                {
                    var i = (y * size + x) * 3 + ch;
                    Assert.Equal(y < patch && x < patch ? decoded[i] : reference[i], rendered[i]);
                }
    }
}
