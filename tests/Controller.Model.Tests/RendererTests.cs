using Controller.Model.Decoding;
using Controller.Model.Checkpoints;
using Controller.Model.Data;
using Controller.Model.Imaging;
using Controller.Model.Policy;
using Controller.Model.Training;
using static TorchSharp.torch;

namespace Controller.Model.Tests;

public class RendererTests
{
    [Fact]
    public void FrameRenderer_Untrained_DrawsTheSkipBlockRendering()
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        manual_seed(2);
        using var tokenizer = new FsqImageTokenizer(Tiny.Fsq);
        using var renderer = new FrameRenderer(width: 8);
        var reference = ImageOps.ToTensor([Tiny.Image(16, 1)], 16);
        var referenceCodes = tokenizer.Codes(reference);
        var codes = referenceCodes.clone();
        codes[0, 0] = (codes[0, 0] + 1) % Tiny.Fsq.CodebookSize;      // cell (0, 0) changes, the others keep theirs

        var drawn = renderer.call(FrameRenderer.Inputs(tokenizer, reference, codes, referenceCodes));

        var decoded = tokenizer.FromCodes(codes);
        Assert.True(drawn.narrow(2, 0, 8).narrow(3, 0, 8).allclose(decoded.narrow(2, 0, 8).narrow(3, 0, 8), atol: 1e-6));
        Assert.True(drawn.narrow(2, 8, 8).allclose(reference.narrow(2, 8, 8), atol: 1e-6));
        Assert.True(drawn.narrow(3, 8, 8).allclose(reference.narrow(3, 8, 8), atol: 1e-6));
    }

    [Fact]
    public void RendererTrainer_TinyRun_WritesACheckpointAndReport()
    {
        var dir = Tiny.CheckpointDir();
        var episodes = Tiny.Episodes(10);

        var report = RendererTrainer.Train(episodes, Path.Combine(dir, TokenizerTrainer.WeightsFile), dir,
            new TrainOptions { Steps = 3, Batch = 4, LearningRate = 1e-2 }, horizon: 2, heldOutPairs: 100);

        Assert.Equal(3, report.Step);
        Assert.Equal(4, report.HeldOutPairs);                                // the held-out episode's 6 steps, less the 2 with no frame 2 ahead
        Assert.Equal(54, report.TrainPairs);                                 // 9 training episodes × 6 steps
        Assert.True(double.IsFinite(report.RendererPsnr) && double.IsFinite(report.SkipBlockPsnr), $"{report}");
        Assert.True(File.Exists(Path.Combine(dir, "renderer_loss.png")));
        using var loaded = RendererTrainer.Load(Path.Combine(dir, RendererTrainer.WeightsFile));
    }

    [Fact]
    public void RendererTrainer_PairsComputedOnceOrPerStep_LogTheSameLosses()
    {
        var dir = Tiny.CheckpointDir();
        var episodes = Tiny.Episodes(10);
        var tokenizer = Path.Combine(dir, TokenizerTrainer.WeightsFile);
        string Run(string name, long cacheBytes)
        {
            var outDir = Path.Combine(dir, name);
            RendererTrainer.Train(episodes, tokenizer, outDir, new TrainOptions { Steps = 6, Batch = 4, LearningRate = 1e-2 }, horizon: 2, cacheBytes: cacheBytes);
            return File.ReadAllText(Path.Combine(outDir, "renderer_loss.csv"));
        }

        var perStep = Run("per-step", cacheBytes: 0);
        var once = Run("once", cacheBytes: 1L << 30);

        Assert.Equal(7, perStep.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);   // header + 6 steps
        Assert.Equal(perStep, once);
    }

    [Fact]
    public void Imagined_TinyModel_PairsFrameTWithFrameTPlusHAndTheModelsCodes()
    {
        var dir = Tiny.CheckpointDir();
        var episodes = Tiny.Episodes(10);
        using var bundle = ModelBundle.Load(dir, warmUpTicks: 0);

        var pairs = RendererTrainer.Imagined(bundle, episodes, count: 5, seed: 3);
        var report = RendererTrainer.Train(episodes, Path.Combine(dir, TokenizerTrainer.WeightsFile), dir,
            new TrainOptions { Steps = 2, Batch = 4 }, horizon: bundle.ActionTokenizer.Horizon, heldOutPairs: 4, imagined: pairs);

        Assert.Equal(5, pairs.Count);
        var training = episodes.Where((_, i) => i % 10 != 9).ToList();
        foreach (var pair in pairs)
        {
            var e = training.Single(e => e.Frames.Contains(pair.Now));
            var t = Array.IndexOf(e.Frames, pair.Now);
            Assert.Same(e.Frames[Math.Min(t + bundle.ActionTokenizer.Horizon, e.Steps - 1)], pair.Next);
            var actions = bundle.ActionTokenizer.Encode(e.Chunk(t, bundle.ActionTokenizer.Horizon, bundle.Manifest.ActionFrame));
            Assert.Equal(bundle.ImagineCodes(e.Instruction, pair.Now, e.States[t], actions, out _), pair.Codes);
        }
        Assert.Equal(5, report.TrainPairs);
    }

    [Fact]
    public void RenderAgainst_ModelDirWithARenderer_RedrawsOnlyTheChangedCells()
    {
        var dir = Tiny.CheckpointDir();
        var reference = Tiny.Image(16, 3);
        int[] codes;
        byte[] skipBlock;
        using (var plain = ModelBundle.Load(dir, warmUpTicks: 0))
        {
            codes = plain.EncodeFrame(reference);
            codes[3] = (codes[3] + 1) % Tiny.Fsq.CodebookSize;           // the bottom-right cell of the 2×2 grid changes
            skipBlock = plain.RenderAgainst(codes, reference);
        }
        using (var renderer = new FrameRenderer())
        {
            using (no_grad())
                renderer.parameters().Last().fill_(0.2);                  // the last conv's bias: brighten what it corrects
            RendererTrainer.SaveCheckpoint(renderer, Path.Combine(dir, RendererTrainer.WeightsFile), 0, 1);
        }

        using var bundle = ModelBundle.Load(dir, warmUpTicks: 0);
        var rendered = bundle.RenderAgainst(codes, reference);

        Assert.Equal(reference, bundle.RenderAgainst(bundle.EncodeFrame(reference), reference));
        for (var row = 0; row < 16; row++)
        {
            var outside = row < 8 ? 16 : 8;                                  // pixels of this row outside the changed cell
            Assert.Equal(skipBlock.AsSpan(row * 48, outside * 3).ToArray(), rendered.AsSpan(row * 48, outside * 3).ToArray());
        }
        Assert.NotEqual(skipBlock, rendered);
    }

    [Fact]
    public void RenderExpected_ByChangeProbability_BlendsTheReferenceWithTheChangedDrawing()
    {
        using var bundle = ModelBundle.Load(Tiny.CheckpointDir(), warmUpTicks: 0);
        var reference = Tiny.Image(16, 3);
        var now = bundle.EncodeFrame(reference);
        var codes = (int[])now.Clone();
        var belief = new CellBelief(4);
        codes[3] = belief.Alternative[0] = (now[3] + 1) % Tiny.Fsq.CodebookSize;   // cell 3 changes; cell 0's best change is cell 3's code
        var sure = bundle.RenderAgainst(codes, reference, now);
        var alternative = (int[])codes.Clone();
        alternative[0] = belief.Alternative[0];
        var other = bundle.RenderAgainst(alternative, reference, now);

        belief.Change[3] = 1;
        Assert.Equal(sure, bundle.RenderExpected(codes, belief, reference, now));       // certain: the greedy drawing
        belief.Change[3] = 0;
        Assert.Equal(reference, bundle.RenderExpected(codes, belief, reference, now));  // no chance of change: the reference

        belief.Change[0] = 0.5f;                                                         // a kept cell that may change
        var blended = bundle.RenderExpected(codes, belief, reference, now);
        for (var row = 0; row < 8; row++)
            for (var k = row * 48; k < row * 48 + 24; k++)                               // cell 0: top-left 8×8
                Assert.Equal(Math.Round((reference[k] + other[k]) / 2.0), blended[k], 0.51);
        Assert.NotEqual(reference, blended);
    }

    [Fact]
    public void Load_NotARendererCheckpoint_FailsWithAClearError()
    {
        var dir = Tiny.CheckpointDir();
        var e = Assert.Throws<CheckpointException>(() => RendererTrainer.Load(Path.Combine(dir, TokenizerTrainer.WeightsFile)));
        Assert.Contains("not a frame renderer", e.Message);
    }
}
