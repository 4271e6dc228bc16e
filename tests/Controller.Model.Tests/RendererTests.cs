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
    public void RendererTrainer_TinyRunIntoAModelDir_ReportsAndTheBundleDrawsWithIt()
    {
        var dir = Tiny.CheckpointDir();
        var episodes = Enumerable.Range(0, 10).Select(i => SquaresWorld.Demonstrate(i, maxSteps: 6, size: 16)).ToList();
        var reference = episodes[0].Frames[0];
        using (var plain = ModelBundle.Load(dir, warmUpTicks: 0))
            Assert.Equal(reference, plain.RenderAgainst(plain.EncodeFrame(reference), reference));

        var report = RendererTrainer.Train(episodes, Path.Combine(dir, TokenizerTrainer.WeightsFile), dir,
            new TrainOptions { Steps = 3, Batch = 4, LearningRate = 1e-2 }, horizon: 2, heldOutPairs: 4);

        Assert.Equal(3, report.Step);
        Assert.Equal(4, report.HeldOutPairs);
        Assert.True(double.IsFinite(report.RendererPsnr) && double.IsFinite(report.SkipBlockPsnr), $"{report}");
        Assert.True(File.Exists(Path.Combine(dir, "renderer_loss.png")));
        using var bundle = ModelBundle.Load(dir, warmUpTicks: 0);
        // Three steps moved the renderer's last conv off zero: it no longer returns the unchanged frame as is.
        Assert.NotEqual(reference, bundle.RenderAgainst(bundle.EncodeFrame(reference), reference));
    }

    [Fact]
    public void Load_NotARendererCheckpoint_FailsWithAClearError()
    {
        var dir = Tiny.CheckpointDir();
        var e = Assert.Throws<CheckpointException>(() => RendererTrainer.Load(Path.Combine(dir, TokenizerTrainer.WeightsFile)));
        Assert.Contains("not a frame renderer", e.Message);
    }
}
