using System.Diagnostics.Metrics;

namespace Controller.Abstractions.Telemetry;

/// <summary>
/// The one <see cref="Meter"/> every component records on ("Controller"). OpenTelemetry and
/// `dotnet-counters` subscribe to it by name. Instruments are created once here so names stay consistent.
/// </summary>
public static class ControllerMetrics
{
    public const string MeterName = "Controller";
    public static readonly Meter Meter = new(MeterName, "1.0");

    public static readonly Histogram<double> TickDuration = Meter.CreateHistogram<double>("controller.tick.duration", "ms", "Wall time of one control tick");
    public static readonly Histogram<double> FrameAge = Meter.CreateHistogram<double>("controller.frame.age", "ms", "Age of the newest frame when a tick reads it");
    public static readonly Counter<long> FramesDropped = Meter.CreateCounter<long>("controller.frames.dropped", "{frame}", "Frames overwritten before any tick read them");
    public static readonly Counter<long> Clamps = Meter.CreateCounter<long>("controller.safety.clamps", "{event}", "Safety interventions, tagged by reason");
    public static readonly Counter<long> ModeChanges = Meter.CreateCounter<long>("controller.mode.changes", "{transition}", "Arbiter transitions, tagged from/to");
    public static readonly Counter<long> Rejected = Meter.CreateCounter<long>("controller.input.rejected", "{message}", "Inputs rejected, tagged by source and reason");
    public static readonly Counter<long> LateSteps = Meter.CreateCounter<long>("controller.scheduler.late_steps", "{step}", "Chunk steps dropped because their time had passed");
    public static readonly Counter<long> PolicyStalls = Meter.CreateCounter<long>("controller.policy.stalls", "{event}", "Plans sampled instead of greedy because the arm had stopped, tagged by policy");
    public static readonly Counter<long> WatchdogTrips = Meter.CreateCounter<long>("controller.watchdog.trips", "{event}", "Times the watchdog paused the loop for stale inputs");

    /// <summary>Counts a plan the policy sampled because the arm had stopped under its greedy plans.</summary>
    public static void PolicyStalled(string policy) => PolicyStalls.Add(1, new KeyValuePair<string, object?>("policy", policy));

    /// <summary>Counts a rejected input with its source and a short reason.</summary>
    public static void Reject(string source, string reason) =>
        Rejected.Add(1, new KeyValuePair<string, object?>("source", source), new KeyValuePair<string, object?>("reason", reason));
}
