using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Controller.Abstractions.Telemetry;

namespace Controller.Transports.Tests.Bus;

/// <summary>Listens to controller.input.rejected and counts by (source, reason), for one source prefix.</summary>
internal sealed class MetricCapture : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<(string Source, string Reason), long> _counts = new();

    public MetricCapture(string source)
    {
        _listener.InstrumentPublished = (i, l) =>
        {
            if (i.Meter.Name == ControllerMetrics.MeterName && i.Name == ControllerMetrics.Rejected.Name)
                l.EnableMeasurementEvents(i);
        };
        _listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            string? s = null, r = null;
            foreach (var t in tags)
            {
                if (t.Key == "source") s = t.Value as string;
                if (t.Key == "reason") r = t.Value as string;
            }
            if (s == source)
                _counts.AddOrUpdate((s, r ?? "?"), value, (_, n) => n + value);
        });
        _listener.Start();
    }

    public long Total => _counts.Values.Sum();

    public IReadOnlyDictionary<string, long> ByReason => _counts.ToDictionary(kv => kv.Key.Reason, kv => kv.Value);

    public void Dispose() => _listener.Dispose();
}
