using Controller.Abstractions;
using Controller.Host.Scheduling;

namespace Controller.Host.Tests;

public class ChunkSchedulerTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan P = TimeSpan.FromMilliseconds(50);

    /// <summary>A 1-joint chunk whose step i targets <paramref name="values"/>[i], stamped at <paramref name="stamp"/>.</summary>
    private static ActionChunk Chunk(DateTimeOffset stamp, params double[] values) =>
        new([.. values.Select(v => new[] { v })], P, stamp, 1, CommandSource.Policy);

    [Fact]
    public void Next_OnTime_ReturnsStepsInOrder()
    {
        var s = new ChunkScheduler(new SchedulerOptions { ActionsPerChunk = 4, Aggregation = Aggregation.LatestOnly });
        s.Add(Chunk(T0, 1, 2, 3, 4));
        // Step i is reached at T0 + (i+1)P, so it goes out on the tick at T0 + iP.
        var got = Enumerable.Range(0, 4).Select(i => s.Next(T0 + P * i)![0]).ToArray();
        Assert.Equal([1.0, 2, 3, 4], got);
        Assert.Null(s.Next(T0 + P * 4));
        Assert.Equal(0, s.LateSteps);
    }

    [Fact]
    public void Next_InferenceWasLate_DropsStepsWhoseTimePassed()
    {
        var s = new ChunkScheduler(new SchedulerOptions { ActionsPerChunk = 6, Aggregation = Aggregation.LatestOnly });
        s.Add(Chunk(T0, 1, 2, 3, 4, 5, 6));
        // First tick happens 3 periods after the stamp: steps 0..2 (sent at 0, 1P, 2P) are past.
        Assert.Equal(4.0, s.Next(T0 + P * 3)![0]);
        Assert.Equal(3, s.LateSteps);
    }

    [Fact]
    public void Next_ChunkStepsInFuture_ReturnsNull()
    {
        var s = new ChunkScheduler(new SchedulerOptions());
        s.Add(Chunk(T0 + P * 10, 1, 2));
        Assert.Null(s.Next(T0));
    }

    [Fact]
    public void Add_ActionsPerChunk_TruncatesLongChunks()
    {
        var s = new ChunkScheduler(new SchedulerOptions { ActionsPerChunk = 2 });
        s.Add(Chunk(T0, 1, 2, 3, 4));
        Assert.NotNull(s.Next(T0));
        Assert.NotNull(s.Next(T0 + P));
        Assert.Null(s.Next(T0 + P * 2));
    }

    [Fact]
    public void Add_RaggedChunk_IsRefused()
    {
        var s = new ChunkScheduler(new SchedulerOptions());
        Assert.False(s.Add(new ActionChunk([[1.0], [1.0, 2.0]], P, T0, 1, CommandSource.Policy)));
        Assert.Equal(0, s.ActiveChunks);
    }

    [Theory]
    [InlineData(Aggregation.LatestOnly, 10.0)]
    [InlineData(Aggregation.WeightedAverage, (0.0 * 1 + 10.0 * 2) / 3)]
    [InlineData(Aggregation.TemporalEnsemble, 10.0 * 0.36787944117144233 / (1 + 0.36787944117144233))]
    public void Next_OverlappingChunks_CombinesPerAggregation(Aggregation aggregation, double expected)
    {
        // Older chunk proposes 0, newer proposes 10 for the same tick; ensemble decay m=1 → weights 1 and e^-1.
        var s = new ChunkScheduler(new SchedulerOptions { ActionsPerChunk = 4, Aggregation = aggregation, EnsembleDecay = 1.0 });
        s.Add(Chunk(T0, 0, 0, 0, 0));
        s.Next(T0);
        s.Add(Chunk(T0 + P, 10, 10, 10));
        Assert.Equal(expected, s.Next(T0 + P)![0], 9);
    }

    [Fact]
    public void NeedsRefill_RemainingShareBelowThreshold_IsTrue()
    {
        var s = new ChunkScheduler(new SchedulerOptions { ActionsPerChunk = 4, RefillThreshold = 0.5 });
        Assert.True(s.NeedsRefill(T0));
        s.Add(Chunk(T0, 1, 2, 3, 4));
        Assert.False(s.NeedsRefill(T0));
        s.Next(T0);
        Assert.False(s.NeedsRefill(T0 + P)); // 3 of 4 left
        s.Next(T0 + P);
        s.Next(T0 + P * 2);
        Assert.True(s.NeedsRefill(T0 + P * 3)); // 1 of 4 left < 50%
    }
}
