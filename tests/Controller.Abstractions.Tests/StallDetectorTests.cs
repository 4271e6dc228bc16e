using Controller.Abstractions;

namespace Controller.Abstractions.Tests;

public class StallDetectorTests
{
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(50);
    private static readonly DateTimeOffset T0 = DateTimeOffset.UnixEpoch;

    [Fact]
    public void Observe_ArmStillForAWholeWindow_ReportsAStall()
    {
        var detector = new StallDetector(8 * Tick, 0.005);
        Assert.False(detector.Observe(T0, [0.1, 0.2]));
        Assert.False(detector.Observe(T0 + 4 * Tick, [0.1, 0.2]));   // still, but not for a whole window yet
        Assert.True(detector.Observe(T0 + 8 * Tick, [0.101, 0.2]));
    }

    [Fact]
    public void Observe_ArmMovedInTheWindow_ReportsNoStall()
    {
        var detector = new StallDetector(8 * Tick, 0.005);
        detector.Observe(T0, [0.1, 0.2]);
        Assert.False(detector.Observe(T0 + 8 * Tick, [0.1, 0.21]));
        Assert.False(detector.Observe(T0 + 16 * Tick, [0.1, 0.23]));
    }

    [Fact]
    public void Observe_EveryTick_ComparesWithTheNewestPositionsAWindowOld()
    {
        var detector = new StallDetector(4 * Tick, 0.005);
        for (var i = 0; i < 4; i++)
            detector.Observe(T0 + i * Tick, [0.1 * i]);               // moving until tick 3, at 0.3
        for (var i = 4; i < 7; i++)
            Assert.False(detector.Observe(T0 + i * Tick, [0.3]));     // stopped, but a window ago it still moved
        Assert.True(detector.Observe(T0 + 7 * Tick, [0.3]));          // still since tick 3: a whole window
    }

    [Fact]
    public void Observe_StampGoesBackwards_StartsAfresh()
    {
        var detector = new StallDetector(8 * Tick, 0.005);
        detector.Observe(T0 + 20 * Tick, [0.1]);
        Assert.False(detector.Observe(T0, [0.1]));
        Assert.True(detector.Observe(T0 + 8 * Tick, [0.1]));
    }
}
