using Controller.Abstractions;
using CsCheck;

namespace Controller.Safety.Tests;

public class SafetyLimiterTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Dt = TimeSpan.FromMilliseconds(50);

    private static readonly Gen<double> AnyValue = Gen.OneOf(
        Gen.Double[-10, 10],
        Gen.Const(double.NaN),
        Gen.Const(double.PositiveInfinity),
        Gen.Const(double.NegativeInfinity),
        Gen.Double[-1e9, 1e9],
        Gen.Double);

    [Fact]
    public void Apply_AnySequenceOfCommands_OutputWithinLimitsOrHold()
    {
        var profile = TestProfiles.TwoJoint();
        Gen.Select(AnyValue.Array[2], Gen.Double[-1.4, 1.4].Array[2]).Array[1, 30].Sample(steps =>
        {
            var limiter = new SafetyLimiter(profile, TimeSpan.FromMilliseconds(200));
            double[]? previous = null;
            var previousVelocity = new double[2];
            var now = T0;
            foreach (var (target, measured) in steps)
            {
                now += Dt;
                var r = limiter.Apply(new JointCommand(target, now, 1, CommandSource.Policy), TestProfiles.State(profile, now, measured), now, Dt);
                var x = r.Command.Positions;
                Assert.Equal(2, x.Length);
                Assert.All(x, v => Assert.True(double.IsFinite(v)));
                if (r.IsHold)
                {
                    Assert.Equal(previous ?? ClampToWorkspace(profile, measured), x);
                    previousVelocity = new double[2];
                }
                else
                {
                    for (var j = 0; j < 2; j++)
                    {
                        Assert.InRange(x[j], profile.Workspace.Min[j], profile.Workspace.Max[j]);
                        Assert.InRange(x[j], measured[j] - profile.MaxRelativeTarget - 1e-9, measured[j] + profile.MaxRelativeTarget + 1e-9);
                        var basis = previous ?? ClampToWorkspace(profile, measured);
                        var v = (x[j] - basis[j]) / Dt.TotalSeconds;
                        Assert.True(Math.Abs(v) <= profile.Joints[j].MaxVelocity + 1e-6, $"velocity {v}");
                        previousVelocity[j] = v;
                    }
                }
                previous = x;
            }
        }, iter: 2000);
    }

    [Fact]
    public void Apply_NaNTarget_HoldsLastSafePosition()
    {
        var profile = TestProfiles.TwoJoint();
        var limiter = new SafetyLimiter(profile, TimeSpan.FromMilliseconds(200));
        var state = TestProfiles.State(profile, T0, 0.1, 0.2);
        var ok = limiter.Apply(new JointCommand([0.12, 0.2], T0, 1, CommandSource.Policy), state, T0, Dt);
        var bad = limiter.Apply(new JointCommand([double.NaN, 0.2], T0 + Dt, 2, CommandSource.Teleop), state, T0 + Dt, Dt);
        Assert.False(ok.IsHold);
        Assert.True(bad.IsHold);
        Assert.True(bad.Reasons.HasFlag(SafetyReason.NonFinite));
        Assert.Equal(ok.Command.Positions, bad.Command.Positions);
    }

    [Fact]
    public void Apply_WrongJointCount_Holds()
    {
        var profile = TestProfiles.TwoJoint();
        var limiter = new SafetyLimiter(profile, TimeSpan.FromMilliseconds(200));
        var r = limiter.Apply(new JointCommand([0.1], T0, 1, CommandSource.Policy), TestProfiles.State(profile, T0, 0, 0), T0, Dt);
        Assert.True(r.IsHold);
        Assert.True(r.Reasons.HasFlag(SafetyReason.WrongDimension));
    }

    [Fact]
    public void Apply_StaleCommand_Holds()
    {
        var profile = TestProfiles.TwoJoint();
        var limiter = new SafetyLimiter(profile, TimeSpan.FromMilliseconds(200));
        var now = T0 + TimeSpan.FromSeconds(1);
        var r = limiter.Apply(new JointCommand([0.1, 0.1], T0, 1, CommandSource.Teleop), TestProfiles.State(profile, now, 0, 0), now, Dt);
        Assert.True(r.IsHold);
        Assert.True(r.Reasons.HasFlag(SafetyReason.Stale));
    }

    [Fact]
    public void Apply_HugeJump_ClampedByVelocityAndRelativeTarget()
    {
        var profile = TestProfiles.TwoJoint();
        var limiter = new SafetyLimiter(profile, TimeSpan.FromMilliseconds(200));
        var r = limiter.Apply(new JointCommand([1e6, -1e6], T0, 1, CommandSource.Policy), TestProfiles.State(profile, T0, 0, 0), T0, Dt);
        Assert.False(r.IsHold);
        Assert.True(r.Reasons.HasFlag(SafetyReason.Workspace));
        Assert.True(r.Reasons.HasFlag(SafetyReason.RelativeTarget));
        // From rest, 4 rad/s² × 0.05 s allows 0.2 rad/s, i.e. 0.01 rad in one tick.
        Assert.Equal(0.01, r.Command.Positions[0], 9);
        Assert.Equal(-0.01, r.Command.Positions[1], 9);
    }

    [Fact]
    public void Apply_TargetOutsideWorkspace_ClampedToWorkspace()
    {
        var profile = TestProfiles.TwoJoint();
        var limiter = new SafetyLimiter(profile, TimeSpan.FromMilliseconds(200));
        var now = T0;
        var state = TestProfiles.State(profile, now, 1.45, 0);
        SafetyResult r = null!;
        for (var i = 0; i < 40; i++)
        {
            now += Dt;
            r = limiter.Apply(new JointCommand([1.9, 0], now, i, CommandSource.Policy), state, now, Dt);
        }
        Assert.Equal(1.5, r.Command.Positions[0], 9);
        Assert.True(r.Reasons.HasFlag(SafetyReason.Workspace));
    }

    [Fact]
    public void Hold_NoStateEver_ReturnsEmptyHold()
    {
        var limiter = new SafetyLimiter(TestProfiles.TwoJoint(), TimeSpan.FromMilliseconds(200));
        var r = limiter.Hold(null, T0, SafetyReason.Stale);
        Assert.True(r.IsHold);
        Assert.Empty(r.Command.Positions);
        Assert.True(r.Reasons.HasFlag(SafetyReason.NoState));
    }

    private static double[] ClampToWorkspace(RobotProfile p, double[] x) =>
        [.. x.Select((v, j) => Math.Clamp(v, p.Workspace.Min[j], p.Workspace.Max[j]))];
}
