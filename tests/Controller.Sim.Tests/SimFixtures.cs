using System.Diagnostics.Metrics;
using Controller.Abstractions;
using Controller.Abstractions.Telemetry;

namespace Controller.Sim.Tests;

/// <summary>Shared helpers: the sim-arm profile and a listener on controller.input.rejected.</summary>
internal static class SimFixtures
{
    public static RobotProfile Profile => RobotProfileLoader.Load("sim-arm");

    /// <summary>Counts controller.input.rejected increments with the given source tag while alive.</summary>
    public sealed class RejectCounter : IDisposable
    {
        private readonly MeterListener _listener = new();
        private long _count;

        public RejectCounter(string source)
        {
            _listener.InstrumentPublished = (i, l) =>
            {
                if (i.Meter.Name == ControllerMetrics.MeterName && i.Name == "controller.input.rejected")
                    l.EnableMeasurementEvents(i);
            };
            _listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
            {
                foreach (var t in tags)
                {
                    if (t.Key == "source" && (string?)t.Value == source)
                        Interlocked.Add(ref _count, value);
                }
            });
            _listener.Start();
        }

        public long Count => Interlocked.Read(ref _count);

        public void Dispose() => _listener.Dispose();
    }
}
