using Controller.Abstractions;

namespace Controller.Sim.Experts;

/// <summary>
/// Reach expert: a straight Cartesian line from the start tip to the named sphere at up to 0.4 m/s,
/// then a slow integral correction of the servos' gravity sag using the measured tip. The integral
/// only runs once the tip has nearly settled near the target and is capped at 2 cm, so it cannot wind
/// up while the arm lags (e.g. when a control loop holds every other tick).
/// </summary>
public sealed class ReachExpert(SimEnv env, double noise = 0, ulong seed = 0) : ScriptedExpert(env, noise, seed)
{
    private const double MaxStep = 0.02; // m per tick at 20 Hz = 0.4 m/s
    private Vec3? _cmd;
    private Vec3 _bias;
    private Vec3? _lastTip;

    public override string Name => "expert";

    protected override (Vec3 Tip, double Gripper) NextWaypoint(Observation observation)
    {
        var episode = Env.Episode!;
        var target = Env.Sim.BodyPosition(episode.ObjectBody);
        var tip = MeasuredTip;
        _cmd ??= tip;
        _cmd = Toward(_cmd.Value, target, MaxStep);
        var settled = _lastTip is { } last && last.DistanceTo(tip) < 0.003 && tip.DistanceTo(target) < 0.03;
        _lastTip = tip;
        if (_cmd.Value.DistanceTo(target) < 1e-9 && settled)
        {
            _bias += (target - tip) * 0.5;
            if (_bias.Length > 0.02)
                _bias *= 0.02 / _bias.Length;
        }
        return (_cmd.Value + _bias, 0);
    }

    public override void Reset()
    {
        base.Reset();
        _cmd = null;
        _bias = default;
        _lastTip = null;
    }
}
