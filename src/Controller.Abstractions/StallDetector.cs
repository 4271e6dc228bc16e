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

    private readonly List<(DateTimeOffset Stamp, double[] Positions)> _history = [];

    /// <summary>Records the joint positions at <paramref name="stamp"/>; true when they are within the radius of those a window ago.</summary>
    public bool Observe(DateTimeOffset stamp, IReadOnlyList<double> positions)
    {
        if (_history.Count > 0 && stamp < _history[^1].Stamp)
            _history.Clear();                                          // a new episode or a reset clock
        // Keep the newest entry that is at least a window old, and everything after it.
        while (_history.Count > 1 && stamp - _history[1].Stamp >= window)
            _history.RemoveAt(0);
        var stalled = _history.Count > 0 && stamp - _history[0].Stamp >= window && Within(_history[0].Positions, positions);
        _history.Add((stamp, [.. positions]));
        return stalled;
    }

    private bool Within(double[] before, IReadOnlyList<double> now)
    {
        if (before.Length != now.Count)
            return false;
        for (var j = 0; j < before.Length; j++)
            if (Math.Abs(now[j] - before[j]) >= radians)
                return false;
        return true;
    }

    public void Clear() => _history.Clear();
}
