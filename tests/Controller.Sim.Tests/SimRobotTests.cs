using Controller.Abstractions;
using Controller.Sim.Robot;

namespace Controller.Sim.Tests;

public class SimRobotTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task SendAction_AsFastAsPossible_JointsReachTarget()
    {
        await using var robot = new SimRobot(SimFixtures.Profile, new SimRobotOptions { Task = "reach", RealTime = false });
        var first = new TaskCompletionSource<RobotState>(TaskCreationOptions.RunContinuationsAsynchronously);
        var reached = new TaskCompletionSource<RobotState>(TaskCreationOptions.RunContinuationsAsynchronously);
        double[] target = [0.4, 0.3, 1.2, 1.0, 0.02];
        await robot.ConnectAsync(s =>
        {
            first.TrySetResult(s);
            if (s.Positions.Zip(target).All(p => Math.Abs(p.First - p.Second) < 0.05))
                reached.TrySetResult(s);
        }, CancellationToken.None);
        await first.Task.WaitAsync(Timeout);
        var sent = robot.SendAction(new JointCommand(target, DateTimeOffset.UtcNow, 1, CommandSource.Policy));
        Assert.False(sent.IsHold);
        await reached.Task.WaitAsync(Timeout);
    }

    [Fact]
    public async Task SendAction_NaN_IsRefusedHeldAndCounted()
    {
        using var counter = new SimFixtures.RejectCounter("sim-robot");
        await using var robot = new SimRobot(SimFixtures.Profile, new SimRobotOptions { RealTime = false });
        var sent = robot.SendAction(new JointCommand([0, double.NaN, 0, 0, 0], DateTimeOffset.UtcNow, 1, CommandSource.Teleop));
        Assert.True(sent.IsHold);
        Assert.All(sent.Positions, p => Assert.True(double.IsFinite(p)));
        Assert.True(counter.Count >= 1);
    }

    [Fact]
    public async Task Camera_Started_DeliversFramesOfProfileSize()
    {
        await using var robot = new SimRobot(SimFixtures.Profile, new SimRobotOptions { RealTime = false });
        var got = new TaskCompletionSource<Frame>(TaskCreationOptions.RunContinuationsAsynchronously);
        await robot.Camera("overhead").StartAsync(f => got.TrySetResult(f), CancellationToken.None);
        await robot.ConnectAsync(_ => { }, CancellationToken.None);
        var frame = await got.Task.WaitAsync(Timeout);
        Assert.Equal((64, 64), (frame.Width, frame.Height));
        frame.Validate();
    }

    [Fact]
    public async Task Camera_UnknownName_Throws()
    {
        await using var robot = new SimRobot(SimFixtures.Profile, new SimRobotOptions { RealTime = false });
        Assert.Throws<SimException>(() => robot.Camera("wrist"));
    }

    [Fact]
    public async Task RealTime_WithFakeClock_TicksOnlyWhenTimeAdvances()
    {
        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider();
        await using var robot = new SimRobot(SimFixtures.Profile, new SimRobotOptions { RealTime = true }, clock);
        var ticks = 0;
        var third = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await robot.ConnectAsync(_ =>
        {
            if (Interlocked.Increment(ref ticks) == 4) // the connect-time report plus three ticks
                third.TrySetResult();
        }, CancellationToken.None);
        for (var i = 0; i < 200 && !third.Task.IsCompleted; i++)
        {
            clock.Advance(TimeSpan.FromMilliseconds(50));
            await Task.Yield();
            await Task.WhenAny(third.Task, Task.Delay(TimeSpan.FromMilliseconds(20), TimeProvider.System));
        }
        await third.Task.WaitAsync(Timeout);
        Assert.True(robot.Ticks >= 3);
        Assert.True(robot.Ticks <= 1 + (long)(clock.GetUtcNow() - clock.Start).TotalMilliseconds / 50 + 1);
    }
}
