using Controller.Abstractions;

namespace Controller.Sim.Policies;

/// <summary>
/// Baseline: a random walk of joint targets (uniform steps of up to <paramref name="stepSize"/> rad per
/// tick) kept inside the profile's workspace. Seeded; not thread-safe.
/// </summary>
public sealed class RandomPolicy(RobotProfile profile, ulong seed, double stepSize = 0.1) : IPolicy
{
    private Random _rng = new(unchecked((int)seed));
    private double[]? _last;
    private long _sequence;
    private int _episodes;

    public string Name => "random";

    public ActionChunk Infer(Observation observation)
    {
        _last ??= [.. observation.State.Positions];
        var targets = new double[profile.Dof];
        for (var i = 0; i < targets.Length; i++)
        {
            var span = profile.Workspace.Max[i] - profile.Workspace.Min[i];
            var step = Math.Min(stepSize, span * 0.25) * (_rng.NextDouble() * 2 - 1);
            targets[i] = Math.Clamp(_last[i] + step, profile.Workspace.Min[i], profile.Workspace.Max[i]);
        }
        _last = targets;
        return new ActionChunk([targets], profile.TickPeriod, observation.Stamp, _sequence++, CommandSource.Policy);
    }

    public void Reset()
    {
        _last = null;
        _sequence = 0;
        _rng = new Random(unchecked((int)seed + 7919 * ++_episodes));
    }
}
