using Controller.Abstractions;

namespace Controller.Sim.Experts;

/// <summary>
/// Base of the IK experts: each tick a subclass picks a tip waypoint (world, m) from privileged sim
/// state; this class adds optional Gaussian noise (σ = noise × 1 cm), solves IK with the tool pointing
/// down, limits each joint's change per tick to the profile's max velocity, and returns a one-step chunk.
/// <see cref="CleanTargets"/> is what it would have commanded without the noise: demonstrations record that as
/// the label (DART, Laskey et al. 2017: noise diversifies the states visited, not the actions learned).
/// Called on the episode thread; not thread-safe.
/// </summary>
public abstract class ScriptedExpert : IPolicy
{
    private readonly double _noise;
    private readonly ulong _seed;
    private Random _rng;
    private double[]? _last;
    private long _sequence;

    protected ScriptedExpert(SimEnv env, double noise, ulong seed)
    {
        Env = env;
        _noise = noise;
        _seed = seed;
        _rng = new Random(unchecked((int)seed));
    }

    protected SimEnv Env { get; }

    public abstract string Name { get; }

    /// <summary>The tip waypoint for this tick and the gripper opening (m).</summary>
    protected abstract (Vec3 Tip, double Gripper) NextWaypoint(Observation observation);

    /// <summary>Lowest tip height a noisy waypoint may ask for (m).</summary>
    protected const double MinTipHeight = 0.012;

    /// <summary>Multiplier of the noise level in the current phase (experts damp it near contact).</summary>
    protected virtual double NoiseScale => 1;

    protected Vec3 MeasuredTip => Env.Sim.SitePosition(SimScene.TipSite);

    /// <summary>The joint targets of the last <see cref="Infer"/> without the waypoint noise (equal to them when noise is 0).</summary>
    public double[]? CleanTargets { get; private set; }

    public ActionChunk Infer(Observation observation)
    {
        var (tip, gripper) = NextWaypoint(observation);
        _last ??= [.. observation.State.Positions];
        CleanTargets = Targets(tip, gripper);
        var targets = CleanTargets;
        if (_noise > 0)
        {
            var noisy = tip + new Vec3(Gaussian(), Gaussian(), Gaussian()) * (_noise * NoiseScale * 0.01);
            // Noise diversifies paths but must not drive the tool into the table.
            targets = Targets(noisy with { Z = Math.Max(noisy.Z, MinTipHeight) }, gripper);
        }
        _last = targets;
        return new ActionChunk([targets], Env.Profile.TickPeriod, observation.Stamp, _sequence++, CommandSource.Scripted);
    }

    /// <summary>IK for the tip, each joint's change from the last command limited to its max velocity per tick.</summary>
    private double[] Targets(Vec3 tip, double gripper)
    {
        var q = ArmKinematics.Inverse(tip);
        var profile = Env.Profile;
        var targets = new double[profile.Dof];
        var dt = profile.TickPeriod.TotalSeconds;
        for (var i = 0; i < targets.Length; i++)
        {
            var limit = profile.Joints[i];
            var step = limit.MaxVelocity * dt;
            var wanted = i < q.Length ? q[i] : gripper;
            targets[i] = Math.Clamp(Math.Clamp(wanted, _last![i] - step, _last[i] + step), limit.MinPosition, limit.MaxPosition);
        }
        return targets;
    }

    public virtual void Reset()
    {
        _last = null;
        _sequence = 0;
        _rng = new Random(unchecked((int)(_seed ^ (ulong)(Env.Episode?.Seed ?? 0) * 2654435761UL)));
    }

    private double Gaussian()
    {
        // Box–Muller; one sample per call is enough here.
        var u1 = 1.0 - _rng.NextDouble();
        var u2 = _rng.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }

    /// <summary>Moves <paramref name="from"/> towards <paramref name="to"/> by at most <paramref name="maxStep"/> metres.</summary>
    protected static Vec3 Toward(Vec3 from, Vec3 to, double maxStep)
    {
        var d = to - from;
        var len = d.Length;
        return len <= maxStep ? to : from + d * (maxStep / len);
    }
}
