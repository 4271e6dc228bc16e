using Controller.Abstractions.Buffers;

namespace Controller.Abstractions.Tests;

public class LatestValueBufferTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void TryGetLatest_Empty_ReturnsFalse()
    {
        Assert.False(new LatestValueBuffer<string>().TryGetLatest(T0, out _, out _));
    }

    [Fact]
    public void Write_FullBuffer_DropsOldestUnreadAndCountsIt()
    {
        var b = new LatestValueBuffer<string>(2);
        b.Write("a", T0);
        b.Write("b", T0);
        b.Write("c", T0);
        Assert.Equal(1, b.Dropped);
        Assert.True(b.TryGetLatest(T0, out var v, out _));
        Assert.Equal("c", v);
    }

    [Fact]
    public void Write_OverReadValue_IsNotCountedAsDropped()
    {
        var b = new LatestValueBuffer<string>(1);
        b.Write("a", T0);
        b.TryGetLatest(T0, out _, out _);
        b.Write("b", T0);
        Assert.Equal(0, b.Dropped);
    }

    [Fact]
    public void TryGetFresh_OlderThanMaxAge_ReturnsFalseAndReportsAge()
    {
        var b = new LatestValueBuffer<string>();
        b.Write("a", T0);
        Assert.True(b.TryGetLatest(T0.AddMilliseconds(150), out _, out var age));
        Assert.Equal(TimeSpan.FromMilliseconds(150), age);
        Assert.False(b.TryGetFresh(T0.AddMilliseconds(150), TimeSpan.FromMilliseconds(100), out _));
        Assert.True(b.TryGetFresh(T0.AddMilliseconds(50), TimeSpan.FromMilliseconds(100), out _));
    }

    [Fact]
    public async Task Write_ManyConcurrentWriters_NeverBlocksAndCountsEveryWrite()
    {
        var b = new LatestValueBuffer<string>(3);
        await Task.WhenAll(Enumerable.Range(0, 4).Select(w => Task.Run(() =>
        {
            for (var i = 0; i < 10_000; i++)
                b.Write($"{w}:{i}", T0);
        })));
        Assert.Equal(40_000, b.Written);
        Assert.Equal(40_000 - 3, b.Dropped);
    }
}
