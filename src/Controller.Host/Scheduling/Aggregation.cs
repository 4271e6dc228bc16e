namespace Controller.Host.Scheduling;

/// <summary>How the scheduler combines overlapping chunks that each propose a target for the same tick.</summary>
public enum Aggregation
{
    /// <summary>Only the newest chunk counts.</summary>
    LatestOnly,

    /// <summary>Linear recency weights: the newest of k chunks weighs k, the oldest 1.</summary>
    WeightedAverage,

    /// <summary>ACT-style temporal ensembling: weight exp(-m·i), i = 0 for the oldest chunk.</summary>
    TemporalEnsemble,
}
