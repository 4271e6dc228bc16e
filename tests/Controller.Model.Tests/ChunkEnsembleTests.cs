using Controller.Model.Policy;

namespace Controller.Model.Tests;

public class ChunkEnsembleTests
{
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(50);
    private static readonly DateTimeOffset T0 = DateTimeOffset.UnixEpoch;

    private static float[][] Chunk(params float[] perStep) => [.. perStep.Select(v => new[] { v, -v })];

    [Fact]
    public void AddAndBlend_FirstChunk_ReturnsItsFirstStep()
    {
        var ensemble = new ChunkEnsemble(0, Tick);
        Assert.Equal([1.0, -1.0], ensemble.AddAndBlend(T0, Chunk(1, 2, 3)));
    }

    [Fact]
    public void AddAndBlend_ZeroDecay_AveragesWhatEveryChunkSaysForNow()
    {
        var ensemble = new ChunkEnsemble(0, Tick);
        ensemble.AddAndBlend(T0, Chunk(0, 10, 20));
        ensemble.AddAndBlend(T0 + Tick, Chunk(4, 5, 6));
        // Now = T0 + 2 ticks: the first chunk says 20, the second 5, the third 30.
        var now = ensemble.AddAndBlend(T0 + 2 * Tick, Chunk(30, 31, 32));
        Assert.Equal(55.0 / 3, now[0], 9);
        Assert.Equal(-55.0 / 3, now[1], 9);
    }

    [Fact]
    public void AddAndBlend_PositiveDecay_WeighsFresherChunksMore()
    {
        var decay = Math.Log(2); // a chunk one tick older weighs half as much
        var ensemble = new ChunkEnsemble(decay, Tick);
        ensemble.AddAndBlend(T0, Chunk(0, 10));
        var now = ensemble.AddAndBlend(T0 + Tick, Chunk(40, 41));
        Assert.Equal((10 * 0.5 + 40 * 1.0) / 1.5, now[0], 9);
    }

    [Fact]
    public void AddAndBlend_ChunksThatEnded_AreDropped()
    {
        var ensemble = new ChunkEnsemble(0, Tick);
        ensemble.AddAndBlend(T0, Chunk(0, 10));
        var now = ensemble.AddAndBlend(T0 + 2 * Tick, Chunk(7, 8));
        Assert.Equal(7.0, now[0], 9);
        Assert.Equal(1, ensemble.Count);
    }

    [Fact]
    public void AddAndBlend_StampGoesBackwards_StartsAfresh()
    {
        var ensemble = new ChunkEnsemble(0, Tick);
        ensemble.AddAndBlend(T0 + 5 * Tick, Chunk(100, 100, 100));
        var now = ensemble.AddAndBlend(T0, Chunk(1, 2, 3));
        Assert.Equal(1.0, now[0], 9);
        Assert.Equal(1, ensemble.Count);
    }

    [Fact]
    public void AddAndBlend_LateTick_PicksTheStepDueNow()
    {
        var ensemble = new ChunkEnsemble(0, Tick);
        ensemble.AddAndBlend(T0, Chunk(0, 10, 20, 30));
        // A tick skipped: at T0 + 3 ticks the first chunk's step 3 is due, not its step 1.
        var now = ensemble.AddAndBlend(T0 + 3 * Tick, Chunk(50, 60, 70, 80));
        Assert.Equal(40.0, now[0], 9);
    }

    [Fact]
    public void AddAndBlend_EmptyChunk_Throws()
    {
        var ensemble = new ChunkEnsemble(0, Tick);
        Assert.Throws<ArgumentException>(() => ensemble.AddAndBlend(T0, []));
    }
}
