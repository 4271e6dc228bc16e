using Controller.Abstractions;
using Controller.Host.Control;
using Controller.Host.Scheduling;
using Controller.Safety;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Controller.Host.Tests;

public class ControlLoopTests
{
    private sealed class RecordingRobot(RobotProfile profile) : IRobot
    {
        public List<JointCommand> Sent { get; } = [];
        public RobotProfile Profile => profile;
        public Task ConnectAsync(Action<RobotState> onState, CancellationToken cancellationToken) => Task.CompletedTask;
        public JointCommand SendAction(JointCommand command)
        {
            Sent.Add(command);
            return command;
        }
        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }

    private sealed class ConstantPolicy(double value, int dof) : IPolicy
    {
        public int Calls { get; private set; }
        public bool Throw { get; set; }
        public string Name => "constant";
        public ActionChunk Infer(Observation o)
        {
            Calls++;
            if (Throw)
                throw new InvalidOperationException("model exploded");
            return new ActionChunk([.. Enumerable.Range(0, 4).Select(_ => Enumerable.Repeat(value, dof).ToArray())], TimeSpan.FromMilliseconds(50), o.Stamp, Calls, CommandSource.Policy);
        }
        public void Reset() { }
    }

    private sealed record Rig(FakeTimeProvider Time, ControlLoop Loop, RecordingRobot Robot, ConstantPolicy Policy, RobotProfile Profile);

    private static Rig NewRig(double policyValue = 0.01)
    {
        var profile = RobotProfileLoader.Load("sim-arm");
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var robot = new RecordingRobot(profile);
        var policy = new ConstantPolicy(policyValue, profile.Dof);
        var loop = new ControlLoop(profile, robot, policy, new Arbiter(time), new ChunkScheduler(new SchedulerOptions { ActionsPerChunk = 4 }),
            [], time, NullLogger<ControlLoop>.Instance, TimeSpan.FromMilliseconds(200));
        return new Rig(time, loop, robot, policy, profile);
    }

    private static void FeedInputs(Rig r)
    {
        var now = r.Time.GetUtcNow();
        r.Loop.OnState(new RobotState(r.Profile.JointNames, new double[r.Profile.Dof], new double[r.Profile.Dof], now));
        foreach (var c in r.Profile.Cameras)
            r.Loop.OnFrame(new Frame(c.Name, PixelFormat.Rgb8, c.Width, c.Height, now, new byte[c.Width * c.Height * 3]));
    }

    private static SafetyResult Step(Rig r, bool feed = true)
    {
        r.Time.Advance(r.Profile.TickPeriod);
        if (feed)
            FeedInputs(r);
        return r.Loop.Tick(r.Time.GetUtcNow());
    }

    [Fact]
    public void Tick_AutonomousWithFreshInputs_SendsPolicyTargets()
    {
        var r = NewRig();
        FeedInputs(r);
        r.Loop.Arbiter.Engage();
        SafetyResult last = null!;
        for (var i = 0; i < 6; i++)
            last = Step(r);
        Assert.False(last.IsHold);
        Assert.Equal(CommandSource.Policy, last.Command.Source);
        Assert.True(r.Policy.Calls >= 2);
        Assert.Equal(6, r.Robot.Sent.Count);
    }

    [Fact]
    public void Tick_PausedMode_HoldsAndNeverAsksPolicy()
    {
        var r = NewRig();
        for (var i = 0; i < 5; i++)
            Assert.True(Step(r).IsHold);
        Assert.Equal(0, r.Policy.Calls);
    }

    [Fact]
    public void Tick_InputsGoStale_HoldsAndPauses()
    {
        var r = NewRig();
        FeedInputs(r);
        r.Loop.Arbiter.Engage();
        Step(r);
        // sim-arm watchdog is 100 ms; at 20 Hz three unfed ticks make inputs 150 ms old.
        SafetyResult last = null!;
        for (var i = 0; i < 3; i++)
            last = Step(r, feed: false);
        Assert.True(last.IsHold);
        Assert.Equal(ControlMode.Paused, r.Loop.Arbiter.Mode);
        Assert.Contains("state", r.Loop.Status.StaleInputs);
    }

    [Fact]
    public void Tick_PolicyThrows_PausesAndHoldsWithoutCrashing()
    {
        var r = NewRig();
        r.Policy.Throw = true;
        FeedInputs(r);
        r.Loop.Arbiter.Engage();
        var result = Step(r);
        Assert.True(result.IsHold);
        Assert.Equal(ControlMode.Paused, r.Loop.Arbiter.Mode);
    }

    [Fact]
    public void SubmitTeleop_OutsideTeleopMode_IsRefused()
    {
        var r = NewRig();
        var cmd = new JointCommand(new double[r.Profile.Dof], r.Time.GetUtcNow(), 1, CommandSource.Teleop);
        Assert.False(r.Loop.SubmitTeleop(cmd));
        r.Loop.Arbiter.Engage();
        Assert.False(r.Loop.SubmitTeleop(cmd));
        r.Loop.Arbiter.TakeOver();
        Assert.True(r.Loop.SubmitTeleop(cmd));
    }

    [Fact]
    public void Tick_TeleopTargetBeyondLimits_IsClampedBySafety()
    {
        var r = NewRig();
        FeedInputs(r);
        r.Loop.Arbiter.TakeOver();
        var wild = Enumerable.Repeat(100.0, r.Profile.Dof).ToArray();
        r.Time.Advance(r.Profile.TickPeriod);
        FeedInputs(r);
        Assert.True(r.Loop.SubmitTeleop(new JointCommand(wild, r.Time.GetUtcNow(), 1, CommandSource.Teleop)));
        var result = r.Loop.Tick(r.Time.GetUtcNow());
        Assert.False(result.IsHold);
        Assert.Equal(CommandSource.Teleop, result.Command.Source);
        for (var j = 0; j < r.Profile.Dof; j++)
            Assert.InRange(result.Command.Positions[j], r.Profile.Workspace.Min[j], r.Profile.Workspace.Max[j]);
        Assert.True(result.Reasons.HasFlag(SafetyReason.Workspace));
    }

    [Fact]
    public void Tick_EStopWhileAutonomous_HoldsFromTheNextTick()
    {
        var r = NewRig();
        FeedInputs(r);
        r.Loop.Arbiter.Engage();
        Step(r);
        r.Loop.Arbiter.EStop();
        Assert.True(Step(r).IsHold);
        Assert.Equal(ControlMode.Stopped, r.Loop.Status.Mode);
    }

    [Fact]
    public void OnFrame_WrongImageSize_IsRejectedAndCameraStaysStale()
    {
        var r = NewRig();
        var now = r.Time.GetUtcNow();
        r.Loop.OnState(new RobotState(r.Profile.JointNames, new double[r.Profile.Dof], new double[r.Profile.Dof], now));
        foreach (var c in r.Profile.Cameras)
            r.Loop.OnFrame(new Frame(c.Name, PixelFormat.Rgb8, 32, 32, now, new byte[32 * 32 * 3]));
        Assert.Contains("camera:overhead", r.Loop.Watchdog.StaleInputs());
    }

    [Fact]
    public void OnState_NaNJoint_IsRejected()
    {
        var r = NewRig();
        var positions = new double[r.Profile.Dof];
        positions[1] = double.NaN;
        r.Loop.OnState(new RobotState(r.Profile.JointNames, positions, new double[r.Profile.Dof], r.Time.GetUtcNow()));
        Assert.Contains("state", r.Loop.Watchdog.StaleInputs());
    }
}
