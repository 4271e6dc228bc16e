using Controller.Abstractions;

namespace Controller.Sim.Experts;

/// <summary>
/// Push expert, re-planned every tick from the block and goal positions:
/// hover above a point behind the block (on the goal→block line), descend, push through the block
/// towards the goal, and back off and re-approach when the block slides off the pusher's line.
/// The first phase comes from where the tip is (<see cref="InitialPhase"/>), so the expert can also take over
/// mid-task from wherever another policy left the arm.
/// </summary>
public sealed class PushExpert(SimEnv env, double noise = 0, ulong seed = 0) : ScriptedExpert(env, noise, seed)
{
    private const double Hover = 0.09;      // tip height while travelling (m)
    private const double PushHeight = 0.018; // tip height while pushing: mid-height of a 4 cm block
    private const double Standoff = 0.045;   // block centre to pusher centre when touching, plus margin
    private const double Travel = 0.02;      // m per tick in the air
    private const double PushStep = 0.008;   // m per tick while pushing (0.16 m/s)

    private enum Phase { Approach, Descend, Push, Lift }

    private Phase _phase;
    private Vec3? _cmd;

    public override string Name => "expert";

    /// <summary>Near the block, full noise would land the pusher on it or fling it away; damp it there.</summary>
    protected override double NoiseScale => _phase is Phase.Descend or Phase.Push ? 0.3 : 1;

    protected override (Vec3 Tip, double Gripper) NextWaypoint(Observation observation)
    {
        var episode = Env.Episode!;
        var block = Env.Sim.BodyPosition(episode.ObjectBody);
        var goal = episode.Goal;
        var tip = MeasuredTip;

        var toGoal = new Vec3(goal.X - block.X, goal.Y - block.Y, 0);
        var dist = toGoal.Length;
        var dir = dist > 1e-6 ? toGoal * (1 / dist) : new Vec3(1, 0, 0);
        var behind = new Vec3(block.X - dir.X * Standoff, block.Y - dir.Y * Standoff, 0);

        // Where the pusher is relative to the push line through the block.
        var rel = new Vec3(tip.X - block.X, tip.Y - block.Y, 0);
        var along = rel.X * dir.X + rel.Y * dir.Y;     // negative = behind the block
        var across = Math.Abs(rel.X * dir.Y - rel.Y * dir.X);
        if (_cmd is null)
        {
            _cmd = tip;
            _phase = InitialPhase(tip.Z, along, across);
        }

        switch (_phase)
        {
            case Phase.Approach:
                _cmd = Toward(_cmd.Value, behind with { Z = Hover }, Travel);
                if (_cmd.Value.PlanarDistance(behind) < 0.005)
                    _phase = Phase.Descend;
                break;
            case Phase.Descend:
                _cmd = Toward(_cmd.Value, behind with { Z = PushHeight }, Travel);
                if (tip.Z < PushHeight + 0.01)
                    _phase = Phase.Push;
                break;
            case Phase.Push:
                if (OffLine(along, across))
                {
                    _phase = Phase.Lift;
                    goto case Phase.Lift;
                }
                // Aim through the block's centre line, a little past the contact point, so it moves towards the goal.
                var aim = new Vec3(block.X - dir.X * (Standoff - 0.03), block.Y - dir.Y * (Standoff - 0.03), PushHeight);
                if (dist < 0.012)
                    aim = _cmd.Value;
                _cmd = Toward(_cmd.Value, aim, PushStep);
                break;
            case Phase.Lift:
                _cmd = Toward(_cmd.Value, _cmd.Value with { Z = Hover }, Travel);
                if (tip.Z > Hover - 0.02)
                    _phase = Phase.Approach;
                break;
        }
        return (_cmd.Value, 0);
    }

    /// <summary>Off the push line through the block: to the side of it, or level with or past its centre.</summary>
    private static bool OffLine(double along, double across) => across > 0.015 || along > -0.02;

    /// <summary>
    /// Where to start from the tip: high up (an episode's start pose) means approach; down at push height on the push
    /// line means push on; down anywhere else means lift first (the same rule that ends a push).
    /// </summary>
    private static Phase InitialPhase(double tipZ, double along, double across) =>
        tipZ >= PushHeight + 0.01 ? Phase.Approach : OffLine(along, across) ? Phase.Lift : Phase.Push;

    public override void Reset()
    {
        base.Reset();
        _phase = Phase.Approach;
        _cmd = null;
    }
}
