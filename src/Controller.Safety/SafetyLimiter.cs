using Controller.Abstractions;
using Controller.Abstractions.Telemetry;

namespace Controller.Safety;

/// <summary>
/// Applies the robot profile's limits to every command, whatever its source. Per joint, in order:
/// <list type="number">
/// <item>non-finite values, a wrong joint count, a stale stamp or no measured state → hold;</item>
/// <item>clamp into the joint-space workspace (soft bounds inside the hard limits);</item>
/// <item>clamp to within max_relative_target of the measured position (as LeRobot does);</item>
/// <item>clamp the step so velocity ≤ max_velocity and the change of velocity ≤ max_acceleration × dt;</item>
/// <item>re-clamp into workspace ∩ relative window: position bounds win over the acceleration bound.
/// If that window is empty (the arm is measured outside its workspace) → hold.</item>
/// </list>
/// A hold repeats the last safe position (or the measured one before anything was sent).
/// Cartesian workspace is not checked here. Not thread-safe: one instance per control loop.
/// </summary>
public sealed class SafetyLimiter(RobotProfile profile, TimeSpan maxCommandAge)
{
    private double[]? _lastSent;
    private double[] _lastVelocity = new double[profile.Dof];
    private long _sequence;

    public RobotProfile Profile => profile;

    /// <summary>The last position this limiter let through, or null before the first command.</summary>
    public IReadOnlyList<double>? LastSent => _lastSent;

    /// <summary>Forgets motion history (after a reset or reconnect).</summary>
    public void Reset()
    {
        _lastSent = null;
        _lastVelocity = new double[profile.Dof];
    }

    /// <summary>Produces a hold at the last safe position.</summary>
    public SafetyResult Hold(RobotState? measured, DateTimeOffset now, SafetyReason reason)
    {
        var basis = _lastSent ?? (measured is { IsWellFormed: true } && measured.Positions.Length == profile.Dof
            ? ClampToWorkspace(measured.Positions)
            : null);
        if (basis is null)
            return Count(new SafetyResult(new JointCommand([], now, ++_sequence, CommandSource.Safety, IsHold: true), reason | SafetyReason.NoState));
        _lastSent = basis;
        Array.Clear(_lastVelocity);
        return Count(new SafetyResult(new JointCommand((double[])basis.Clone(), now, ++_sequence, CommandSource.Safety, IsHold: true), reason));
    }

    /// <summary>Checks and limits <paramref name="command"/> for sending at <paramref name="now"/>, <paramref name="dt"/> after the previous one.</summary>
    public SafetyResult Apply(JointCommand command, RobotState? measured, DateTimeOffset now, TimeSpan dt)
    {
        var target = command.Positions;
        if (target.Length != profile.Dof)
            return Hold(measured, now, SafetyReason.WrongDimension);
        if (!Array.TrueForAll(target, double.IsFinite))
            return Hold(measured, now, SafetyReason.NonFinite);
        if (now - command.Stamp > maxCommandAge)
            return Hold(measured, now, SafetyReason.Stale);
        if (measured is not { IsWellFormed: true } || measured.Positions.Length != profile.Dof)
            return Hold(measured, now, SafetyReason.NoState);

        var reasons = SafetyReason.None;
        var last = _lastSent ?? ClampToWorkspace(measured.Positions);
        var seconds = Math.Max(dt.TotalSeconds, 1e-4);
        var output = new double[target.Length];
        var velocity = new double[target.Length];
        for (var j = 0; j < target.Length; j++)
        {
            var limits = profile.Joints[j];
            var (lo, hi) = (profile.Workspace.Min[j], profile.Workspace.Max[j]);
            var x = target[j];
            if (x < lo || x > hi)
            {
                x = Math.Clamp(x, lo, hi);
                reasons |= SafetyReason.Workspace;
            }
            var (near, far) = (measured.Positions[j] - profile.MaxRelativeTarget, measured.Positions[j] + profile.MaxRelativeTarget);
            if (x < near || x > far)
            {
                x = Math.Clamp(x, near, far);
                reasons |= SafetyReason.RelativeTarget;
            }
            (lo, hi) = (Math.Max(lo, near), Math.Min(hi, far));
            if (lo > hi)
                return Hold(measured, now, reasons | SafetyReason.Workspace);
            var v = (x - last[j]) / seconds;
            var vMin = Math.Max(-limits.MaxVelocity, _lastVelocity[j] - limits.MaxAcceleration * seconds);
            var vMax = Math.Min(limits.MaxVelocity, _lastVelocity[j] + limits.MaxAcceleration * seconds);
            if (v < vMin || v > vMax)
            {
                var byVelocity = v < -limits.MaxVelocity || v > limits.MaxVelocity;
                reasons |= byVelocity ? SafetyReason.Velocity : SafetyReason.Acceleration;
                v = Math.Clamp(v, vMin, vMax);
            }
            x = Math.Clamp(last[j] + v * seconds, lo, hi);
            if (Math.Abs(x - last[j]) > limits.MaxVelocity * seconds * (1 + 1e-9))
                return Hold(measured, now, reasons | SafetyReason.Velocity); // the window moved away faster than the joint may follow
            output[j] = x;
            velocity[j] = (x - last[j]) / seconds;
        }
        _lastSent = output;
        _lastVelocity = velocity;
        return Count(new SafetyResult(command with { Positions = output, Stamp = now, IsHold = false }, reasons));
    }

    private double[] ClampToWorkspace(double[] positions)
    {
        var r = new double[positions.Length];
        for (var j = 0; j < r.Length; j++)
            r[j] = Math.Clamp(positions[j], profile.Workspace.Min[j], profile.Workspace.Max[j]);
        return r;
    }

    private static SafetyResult Count(SafetyResult result)
    {
        if (result.Reasons == SafetyReason.None)
            return result;
        foreach (var flag in Enum.GetValues<SafetyReason>())
        {
            if (flag != SafetyReason.None && result.Reasons.HasFlag(flag))
                ControllerMetrics.Clamps.Add(1, new KeyValuePair<string, object?>("reason", flag.ToString()));
        }
        return result;
    }
}
