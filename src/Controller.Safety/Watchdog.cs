using Controller.Abstractions.Telemetry;

namespace Controller.Safety;

/// <summary>
/// Tracks when each input (robot state, each camera) last arrived and reports the ones older than
/// the timeout. The control loop asks it once per tick; when it trips, the loop holds and pauses.
/// Thread-safe: inputs are marked from transport threads.
/// </summary>
public sealed class Watchdog(TimeProvider time, TimeSpan timeout, IEnumerable<string> inputs)
{
    private readonly Dictionary<string, DateTimeOffset> _lastSeen = inputs.ToDictionary(i => i, _ => DateTimeOffset.MinValue);
    private readonly Lock _gate = new();

    public TimeSpan Timeout => timeout;

    /// <summary>Records that <paramref name="input"/> delivered a fresh value now.</summary>
    public void Mark(string input)
    {
        var now = time.GetUtcNow();
        lock (_gate)
            _lastSeen[input] = now;
    }

    /// <summary>The inputs not seen within the timeout; empty when everything is fresh.</summary>
    public IReadOnlyList<string> StaleInputs()
    {
        var now = time.GetUtcNow();
        lock (_gate)
            return [.. _lastSeen.Where(kv => now - kv.Value > timeout).Select(kv => kv.Key).Order()];
    }

    /// <summary>Counts a trip (the loop calls this when it acts on stale inputs).</summary>
    public static void CountTrip(IReadOnlyList<string> stale) =>
        ControllerMetrics.WatchdogTrips.Add(1, new KeyValuePair<string, object?>("inputs", string.Join(",", stale)));
}
