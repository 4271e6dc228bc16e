using Microsoft.Extensions.Time.Testing;

namespace Controller.Safety.Tests;

public class WatchdogTests
{
    [Fact]
    public void StaleInputs_NeverMarked_ReportsEveryInput()
    {
        var w = new Watchdog(new FakeTimeProvider(), TimeSpan.FromMilliseconds(100), ["state", "camera:a"]);
        Assert.Equal(["camera:a", "state"], w.StaleInputs());
    }

    [Fact]
    public void StaleInputs_MarkedWithinTimeout_IsFreshUntilTimeoutPasses()
    {
        var time = new FakeTimeProvider();
        var w = new Watchdog(time, TimeSpan.FromMilliseconds(100), ["state", "camera:a"]);
        w.Mark("state");
        w.Mark("camera:a");
        time.Advance(TimeSpan.FromMilliseconds(100));
        Assert.Empty(w.StaleInputs());
        time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(["camera:a", "state"], w.StaleInputs());
    }

    [Fact]
    public void StaleInputs_OneInputStops_ReportsOnlyThatInput()
    {
        var time = new FakeTimeProvider();
        var w = new Watchdog(time, TimeSpan.FromMilliseconds(100), ["state", "camera:a"]);
        w.Mark("camera:a");
        for (var i = 0; i < 5; i++)
        {
            time.Advance(TimeSpan.FromMilliseconds(50));
            w.Mark("state");
        }
        Assert.Equal(["camera:a"], w.StaleInputs());
    }
}
