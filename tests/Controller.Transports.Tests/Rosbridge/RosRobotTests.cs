using Controller.Abstractions;
using Controller.Transports.Robots;
using Controller.Transports.Rosbridge;
using Controller.Transports.Rosbridge.Messages;

namespace Controller.Transports.Tests.Rosbridge;

public sealed class RosRobotTests
{
    private static RobotProfile SimArm(RosControlMode mode) => RobotProfileLoader.Load("sim-arm") with { ControlMode = mode };

    private static JointCommand Command(long seq, DateTimeOffset? stamp = null, double x = 0.1)
        => new([x, 0.2, 0.3, 0.4, 0.01], stamp ?? DateTimeOffset.UtcNow, seq, CommandSource.Policy);

    [Fact]
    public async Task Connect_JointStatesInAnyOrder_ReportsProfileOrder()
    {
        var profile = SimArm(RosControlMode.JointTrajectory);
        await using var server = Loopback.StartServer();
        server.Advertise<JointState>("/joint_states");
        await using var client = new RosbridgeClient(new RosbridgeClientOptions { Uri = server.Uri });
        await using var robot = new RosRobot(client, profile);
        var got = new TaskCompletionSource<RobotState>(TaskCreationOptions.RunContinuationsAsynchronously);
        var subscribed = Loopback.WhenSubscribed(server, "/joint_states");
        await robot.ConnectAsync(s => got.TrySetResult(s), CancellationToken.None);
        await subscribed;
        server.Publish("/joint_states", new JointState(Header.Now(), ["gripper", "wrist", "elbow", "shoulder", "base_yaw", "extra"], [0.02, 4, 3, 2, 1, 9], [], []));
        var state = await got.Task.Within();
        Assert.Equal([1.0, 2, 3, 4, 0.02], state.Positions);
        Assert.Equal(profile.JointNames, state.JointNames);
    }

    [Fact]
    public async Task SendAction_TrajectoryMode_PublishesStampedPointAndNeverStaleOnes()
    {
        var profile = SimArm(RosControlMode.JointTrajectory);
        await using var server = Loopback.StartServer();
        var received = new List<JointTrajectory>();
        var second = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var _ = server.Subscribe<JointTrajectory>("/arm_controller/joint_trajectory", jt =>
        {
            lock (received)
            {
                received.Add(jt);
                if (received.Count == 2)
                    second.TrySetResult();
            }
        });
        await using var client = new RosbridgeClient(new RosbridgeClientOptions { Uri = server.Uri });
        await using var robot = new RosRobot(client, profile);
        await robot.ConnectAsync(_ => { }, CancellationToken.None);

        var stamp = DateTimeOffset.UtcNow;
        Assert.False(robot.SendAction(Command(1, stamp)).IsHold);
        Assert.True(robot.SendAction(Command(2, DateTimeOffset.UtcNow - TimeSpan.FromSeconds(1))).IsHold); // stale: older than stale_after_ms
        Assert.True(robot.SendAction(Command(0)).IsHold); // out of order
        Assert.True(robot.SendAction(new JointCommand([double.NaN, 0, 0, 0, 0], DateTimeOffset.UtcNow, 5, CommandSource.Policy)).IsHold);
        Assert.False(robot.SendAction(Command(3, x: 0.15)).IsHold);
        await second.Task.Within();
        lock (received)
        {
            Assert.Equal(2, received.Count);
            Assert.Equal(0.1, received[0].Points[0].Positions[0]);
            Assert.Equal(0.15, received[1].Points[0].Positions[0]);
            Assert.Equal(RosTime.FromDateTimeOffset(stamp), received[0].Header.Stamp);
            Assert.Equal(profile.TickPeriod, received[0].Points[0].TimeFromStart.ToTimeSpan());
            Assert.Equal(profile.JointNames, received[0].JointNames);
        }
    }

    [Fact]
    public async Task SendChunk_TrajectoryMode_OnePointPerStepWithTimeFromStart()
    {
        var profile = SimArm(RosControlMode.JointTrajectory);
        await using var server = Loopback.StartServer();
        var got = new TaskCompletionSource<JointTrajectory>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var _ = server.Subscribe<JointTrajectory>("/arm_controller/joint_trajectory", jt => got.TrySetResult(jt));
        await using var client = new RosbridgeClient(new RosbridgeClientOptions { Uri = server.Uri });
        await using var robot = new RosRobot(client, profile);
        await robot.ConnectAsync(_ => { }, CancellationToken.None);
        var step = TimeSpan.FromMilliseconds(50);
        var chunk = new ActionChunk([.. Enumerable.Range(0, 4).Select(i => new[] { 0.1 * i, 0, 0, 0, 0.0 })], step, DateTimeOffset.UtcNow, 1, CommandSource.Policy);
        Assert.Equal(4, robot.SendChunk(chunk));
        var jt = await got.Task.Within();
        Assert.Equal(4, jt.Points.Length);
        Assert.Equal([step, step * 2, step * 3, step * 4], jt.Points.Select(p => p.TimeFromStart.ToTimeSpan()));
        Assert.Equal(0.3, jt.Points[3].Positions[0], 9);
        var stale = chunk with { Stamp = DateTimeOffset.UtcNow - TimeSpan.FromSeconds(10), Sequence = 2 };
        Assert.Equal(0, robot.SendChunk(stale));
    }

    [Fact]
    public async Task SendAction_ForwardAndJogModes_PublishTheirMessageTypes()
    {
        await using var server = Loopback.StartServer();
        var forward = new TaskCompletionSource<Float64MultiArray>(TaskCreationOptions.RunContinuationsAsynchronously);
        var jog = new TaskCompletionSource<JointJog>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var a = server.Subscribe<Float64MultiArray>("/forward_position_controller/commands", m => forward.TrySetResult(m));
        using var b = server.Subscribe<JointJog>("/servo_node/delta_joint_cmds", m => jog.TrySetResult(m));
        server.Advertise<JointState>("/joint_states");

        await using var c1 = new RosbridgeClient(new RosbridgeClientOptions { Uri = server.Uri });
        await using var fwdRobot = new RosRobot(c1, SimArm(RosControlMode.ForwardPosition));
        await fwdRobot.ConnectAsync(_ => { }, CancellationToken.None);
        fwdRobot.SendAction(Command(1));
        var fwd = await forward.Task.Within();
        Assert.Equal(new[] { 0.1, 0.2, 0.3, 0.4, 0.01 }, fwd.Data);

        await using var c2 = new RosbridgeClient(new RosbridgeClientOptions { Uri = server.Uri });
        await using var jogRobot = new RosRobot(c2, SimArm(RosControlMode.Jog));
        var state = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var subscribed = Loopback.WhenSubscribed(server, "/joint_states", count: 2); // the forward robot subscribed too
        await jogRobot.ConnectAsync(_ => state.TrySetResult(), CancellationToken.None);
        Assert.True(jogRobot.SendAction(Command(1)).IsHold); // no joint state yet: a jog needs the current position
        await subscribed;
        server.Publish("/joint_states", new JointState(Header.Now(), ["base_yaw", "shoulder", "elbow", "wrist", "gripper"], [0.05, 0.2, 0.3, 0.4, 0.01], [], []));
        await state.Task.Within();
        Assert.False(jogRobot.SendAction(Command(2)).IsHold);
        var j = await jog.Task.Within();
        Assert.Equal(0.05, j.Displacements[0], 9);
        Assert.Equal(0.05, j.Duration, 9);
    }
}
