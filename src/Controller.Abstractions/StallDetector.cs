namespace Controller.Abstractions;

/// <summary>
/// Tells when the arm has stopped: every joint within <paramref name="radians"/> of where it was
/// <paramref name="window"/> ago. A greedy policy is a fixed map from what it sees to what it does, so once it holds
/// the arm still (say, believing an occluded block is already in place) it sees the same scene and holds it there for
/// the rest of the episode; the model policy samples its next plan, and a takeover collection hands over to the expert, when this says so. Pure C#, not thread-safe.
/// </summary>
public sealed class StallDetector(TimeSpan window, double radians)
{
    /// <summary>0.005 rad: well above a held arm's settling jitter, well below what a tick of any motion covers.</summary>
    public const double DefaultRadians = 0.005;

    private readonly Queue<(DateTimeOffset Stamp, double[] Positions)> _history = new();

    /// <summary>Records the joint positions at <paramref name="stamp"/>; true when they are within the radius of those a window ago.</summary>
    public bool Observe(DateTimeOffset stamp, IReadOnlyList<double> positions)
    {
        if (_history.Count > 0 && stamp < _history.Last().Stamp)
            _history.Clear();                                          // a new episode or a reset clock
        var stalled = false;
        // Keep the newest entry that is at least a window old, and everything after it.
        while (_history.Count > 1 && stamp - _history.ElementAt(1).Stamp >= window)
            _history.Dequeue();
        if (_history.TryPeek(out var old) && stamp - old.Stamp >= window && old.Positions.Length == positions.Count)
            stalled = old.Positions.Select((p, j) => Math.Abs(positions[j] - p)).Max() < radians;
        _history.Enqueue((stamp, [.. positions]));
        return stalled;
    }

    public void Clear() => _history.Clear();
}
