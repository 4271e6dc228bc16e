using Controller.Abstractions;
using Controller.Abstractions.Telemetry;

namespace Controller.Host.Scheduling;

/// <summary>
/// Turns action chunks into one target per tick.
/// <list type="bullet">
/// <item>Each chunk is cut to <see cref="SchedulerOptions.ActionsPerChunk"/> steps. Step i is the target to reach at
/// Stamp + (i+1)·StepPeriod, so it is sent on the tick at Stamp + i·StepPeriod (its send time).</item>
/// <item>Latency compensation: a step whose send time is more than half a period in the past is dropped (counted), never executed late.</item>
/// <item>Overlapping chunks proposing a step for the same tick are combined per <see cref="Aggregation"/>.</item>
/// <item><see cref="NeedsRefill"/> is true when the newest chunk's unexecuted share is below the threshold.</item>
/// </list>
/// Not thread-safe: owned by the control loop.
/// </summary>
public sealed class ChunkScheduler(SchedulerOptions options)
{
    private readonly List<Active> _chunks = [];

    private sealed class Active(ActionChunk chunk, int steps)
    {
        public ActionChunk Chunk { get; } = chunk;
        public int Steps { get; } = steps;
        public int Next { get; set; }
    }

    /// <summary>Steps dropped because their time had passed, since construction.</summary>
    public long LateSteps { get; private set; }

    public int ActiveChunks => _chunks.Count;

    public void Clear() => _chunks.Clear();

    /// <summary>Adds a chunk; refuses (false, counted) an empty chunk or one whose rows differ in length.</summary>
    public bool Add(ActionChunk chunk)
    {
        ArgumentNullException.ThrowIfNull(chunk);
        if (chunk.Steps == 0 || chunk.StepPeriod <= TimeSpan.Zero || chunk.Targets.Any(t => t is null || t.Length != chunk.Targets[0].Length))
        {
            ControllerMetrics.Reject("scheduler", "malformed chunk");
            return false;
        }
        _chunks.Add(new Active(chunk, Math.Min(chunk.Steps, options.ActionsPerChunk)));
        return true;
    }

    /// <summary>True when there is no chunk or the newest has less than the refill share left at <paramref name="now"/>.</summary>
    public bool NeedsRefill(DateTimeOffset now)
    {
        if (_chunks.Count == 0)
            return true;
        var newest = _chunks[^1];
        var remaining = 0;
        for (var i = newest.Next; i < newest.Steps; i++)
        {
            if (SendAt(newest.Chunk, i) >= now - newest.Chunk.StepPeriod / 2)
                remaining++;
        }
        return remaining < options.RefillThreshold * newest.Steps;
    }

    /// <summary>
    /// The target for the tick at <paramref name="now"/>, or null when no chunk has a step due
    /// (the caller holds). Consumes the step from every contributing chunk.
    /// </summary>
    public double[]? Next(DateTimeOffset now)
    {
        var proposals = new List<double[]>(_chunks.Count);
        foreach (var a in _chunks)
        {
            var half = a.Chunk.StepPeriod / 2;
            while (a.Next < a.Steps && SendAt(a.Chunk, a.Next) < now - half)
            {
                a.Next++;
                LateSteps++;
                ControllerMetrics.LateSteps.Add(1);
            }
            if (a.Next < a.Steps && SendAt(a.Chunk, a.Next) <= now + half)
            {
                proposals.Add(a.Chunk.Targets[a.Next]);
                a.Next++;
            }
        }
        _chunks.RemoveAll(a => a.Next >= a.Steps);
        return proposals.Count == 0 ? null : Combine(proposals);
    }

    /// <summary>The tick on which step <paramref name="i"/> goes out: one period before it must be reached.</summary>
    private static DateTimeOffset SendAt(ActionChunk chunk, int i) => chunk.DueAt(i) - chunk.StepPeriod;

    /// <summary>Proposals are ordered oldest chunk first.</summary>
    private double[] Combine(List<double[]> proposals)
    {
        if (proposals.Count == 1 || options.Aggregation == Aggregation.LatestOnly)
            return (double[])proposals[^1].Clone();
        var weights = new double[proposals.Count];
        for (var i = 0; i < weights.Length; i++)
        {
            weights[i] = options.Aggregation == Aggregation.WeightedAverage
                ? i + 1
                : Math.Exp(-options.EnsembleDecay * i);
        }
        // Chunks of another joint count (a policy swap) do not mix with the newest.
        var dof = proposals[^1].Length;
        var total = 0.0;
        var result = new double[dof];
        for (var i = 0; i < proposals.Count; i++)
        {
            if (proposals[i].Length != dof)
                continue;
            total += weights[i];
            for (var j = 0; j < dof; j++)
                result[j] += weights[i] * proposals[i][j];
        }
        for (var j = 0; j < dof; j++)
            result[j] /= total;
        return result;
    }
}
