using System.ComponentModel.DataAnnotations;

namespace Controller.Host.Scheduling;

/// <summary>Chunk scheduling knobs (section "Controller:Scheduler").</summary>
public sealed class SchedulerOptions
{
    /// <summary>Steps of each chunk that are used; the rest is discarded.</summary>
    [Range(1, 256)]
    public int ActionsPerChunk { get; set; } = 8;

    /// <summary>Ask for a new chunk when the unexecuted share of the newest chunk falls below this.</summary>
    [Range(0.0, 1.0)]
    public double RefillThreshold { get; set; } = 0.5;

    public Aggregation Aggregation { get; set; } = Aggregation.TemporalEnsemble;

    /// <summary>Temporal-ensemble decay m (ACT uses 0.01 per step; larger favours older chunks more strongly).</summary>
    [Range(0.0, 10.0)]
    public double EnsembleDecay { get; set; } = 0.1;
}
