using Controller.Abstractions;

namespace Controller.Host.Fakes;

/// <summary>
/// A deterministic policy for the foundation demo: every joint follows a slow sine inside its
/// workspace (period <see cref="Period"/>, joint j phase-shifted by j·π/3). Chunks start at the
/// observation's stamp. A stand-in until the world model replaces it.
/// </summary>
public sealed class ScriptedPolicy(RobotProfile profile, int chunkSteps = 8) : IPolicy
{
    private DateTimeOffset? _origin;
    private long _sequence;

    public static TimeSpan Period { get; } = TimeSpan.FromSeconds(6);

    public string Name => "scripted";

    public ActionChunk Infer(Observation observation)
    {
        _origin ??= observation.Stamp;
        var period = profile.TickPeriod;
        var targets = new double[chunkSteps][];
        for (var i = 0; i < chunkSteps; i++)
        {
            var t = (observation.Stamp + period * (i + 1) - _origin.Value).TotalSeconds;
            targets[i] = new double[profile.Dof];
            for (var j = 0; j < profile.Dof; j++)
            {
                var (lo, hi) = (profile.Workspace.Min[j], profile.Workspace.Max[j]);
                var mid = (lo + hi) / 2;
                // 40% of the half-range keeps targets well inside the workspace; velocity stays small.
                targets[i][j] = mid + 0.4 * (hi - lo) / 2 * Math.Sin(2 * Math.PI * t / Period.TotalSeconds + j * Math.PI / 3);
            }
        }
        return new ActionChunk(targets, period, observation.Stamp, ++_sequence, CommandSource.Scripted);
    }

    public void Reset() => _origin = null;
}
