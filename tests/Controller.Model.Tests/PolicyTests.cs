using Controller.Abstractions;
using Controller.Model.Policy;
using Controller.Model.Runtime;

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
}
