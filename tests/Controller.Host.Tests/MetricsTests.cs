using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Controller.Abstractions;
using Controller.Abstractions.Telemetry;
using Controller.Safety;
using Microsoft.Extensions.Time.Testing;

namespace Controller.Host.Tests;

public sealed class MetricsTests : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentBag<(string Name, long Value, Dictionary<string, object?> Tags)> _seen = [];

    public MetricsTests()
    {
        _listener.InstrumentPublished = (i, l) =>
        {
            if (i.Meter.Name == ControllerMetrics.MeterName)
                l.EnableMeasurementEvents(i);
        };
        _listener.SetMeasurementEventCallback<long>((i, v, tags, _) =>
            _seen.Add((i.Name, v, tags.ToArray().ToDictionary(t => t.Key, t => t.Value))));
        _listener.Start();
    }

    public void Dispose() => _listener.Dispose();

    [Fact]
    public void Arbiter_Transition_IsCountedWithFromAndTo()
    {
        new Arbiter(new FakeTimeProvider()).EStop();
        Assert.Contains(_seen, m => m.Name == "controller.mode.changes" && Equals(m.Tags["from"], "Paused") && Equals(m.Tags["to"], "Stopped"));
    }

    [Fact]
    public void SafetyLimiter_NaNCommand_IsCountedByReason()
    {
        var profile = RobotProfileLoader.Load("sim-arm");
        var now = DateTimeOffset.UnixEpoch;
        var state = new RobotState(profile.JointNames, new double[profile.Dof], new double[profile.Dof], now);
        var bad = Enumerable.Repeat(double.NaN, profile.Dof).ToArray();
        new SafetyLimiter(profile, TimeSpan.FromSeconds(1)).Apply(new JointCommand(bad, now, 1, CommandSource.Teleop), state, now, TimeSpan.FromMilliseconds(50));
        Assert.Contains(_seen, m => m.Name == "controller.safety.clamps" && Equals(m.Tags["reason"], "NonFinite"));
    }

    [Fact]
    public void Reject_AnyInput_IsCountedWithSourceAndReason()
    {
        ControllerMetrics.Reject("metrics-test", "wrong image size");
        Assert.Contains(_seen, m => m.Name == "controller.input.rejected" && Equals(m.Tags["source"], "metrics-test") && Equals(m.Tags["reason"], "wrong image size"));
    }
}
