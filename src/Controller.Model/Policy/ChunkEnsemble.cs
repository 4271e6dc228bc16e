namespace Controller.Model.Policy;

/// <summary>
/// Temporal ensembling of overlapping action chunks (after ACT, Zhao et al. 2023): the policy is asked every tick,
/// and the target for "now" is the weighted mean of what every still-valid chunk said for this moment. A chunk
/// predicted <c>a</c> ticks ago weighs <c>exp(-decay · a)</c>: decay 0 is a plain mean, a positive decay trusts
/// fresher chunks more, a negative one (ACT's choice) older ones. Chunks are aligned by their stamps, so a late or
/// skipped tick still picks the right step of each chunk. Pure C#, not thread-safe (the policy owns one).
/// </summary>
public sealed class ChunkEnsemble(double decay, TimeSpan period)
{
    private readonly List<(DateTimeOffset Stamp, float[][] Targets)> _chunks = [];

    /// <summary>Chunks still held (those that cover some time at or after the latest stamp).</summary>
    public int Count => _chunks.Count;

    /// <summary>Adds the chunk predicted at <paramref name="stamp"/> and returns the ensembled target for that moment.</summary>
    public double[] AddAndBlend(DateTimeOffset stamp, float[][] targets)
    {
        if (targets.Length == 0)
            throw new ArgumentException("an empty chunk cannot be ensembled", nameof(targets));
        // A stamp that goes backwards is a new episode or a reset clock: the old chunks mean nothing now.
        if (_chunks.Count > 0 && stamp < _chunks[^1].Stamp)
            _chunks.Clear();
        _chunks.Add((stamp, targets));
        _chunks.RemoveAll(c => StepAt(c.Stamp, stamp) >= c.Targets.Length);

        var joints = targets[0].Length;
        var sum = new double[joints];
        var total = 0.0;
        foreach (var (chunkStamp, chunk) in _chunks)
        {
            var step = StepAt(chunkStamp, stamp);
            var weight = Math.Exp(-decay * step);
            for (var j = 0; j < joints; j++)
                sum[j] += weight * chunk[step][j];
            total += weight;
        }
        for (var j = 0; j < joints; j++)
            sum[j] /= total;
        return sum;
    }

    public void Clear() => _chunks.Clear();

    /// <summary>Which step of a chunk predicted at <paramref name="chunkStamp"/> is due at <paramref name="now"/>.</summary>
    private int StepAt(DateTimeOffset chunkStamp, DateTimeOffset now) =>
        (int)Math.Round((now - chunkStamp) / period, MidpointRounding.AwayFromZero);
}
