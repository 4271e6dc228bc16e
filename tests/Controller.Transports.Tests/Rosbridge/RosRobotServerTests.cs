using Controller.Abstractions;
using Controller.Transports.Cameras;
using Controller.Transports.Robots;
using Controller.Transports.Rosbridge;
using Controller.Transports.Rosbridge.Messages;

namespace Controller.Transports.Tests.Rosbridge;

/// <summary>The served-robot plumbing of `sim serve`, closed through ROS with our own client against a tiny plant.</summary>
public sealed class RosRobotServerTests
{
    private static async Task<(RosbridgeServer Server, RosRobotServer Host, TinyPlant Plant)> StartAsync()
    {
        var profile = RobotProfileLoader.Load("sim-arm");
        var server = Loopback.StartServer();
        var plant = new TinyPlant(profile);
        var host = new RosRobotServer(server, plant);
        host.Start();
        await Task.CompletedTask;
        return (server, host, plant);
    }

    [Fact]
    public async Task RosRobot_CommandsThroughRos_MoveTheServedArmAndReportSuccess()
    {
        var (server, host, _) = await StartAsync();
        await using var s = server;
        await using var h = host;
        await using var client = await Loopback.ConnectAsync(server);
        await using var robot = new RosRobot(client, RobotProfileLoader.Load("sim-arm"));
        var reached = new TaskCompletionSource<RobotState>(TaskCreationOptions.RunContinuationsAsynchronously);
        var succeeded = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var success = await client.SubscribeAsync<BoolMessage>("/task/success", m => { if (m.Data) succeeded.TrySetResult(); });
        var seq = 0L;
        await robot.ConnectAsync(state =>
        {
            if (state.Positions[0] > 0.35)
                reached.TrySetResult(state);
            else
                robot.SendAction(new JointCommand([0.4, 0.1, 0, 0, 0.01], DateTimeOffset.UtcNow, Interlocked.Increment(ref seq), CommandSource.Policy));
        }, CancellationToken.None);
        var final = await reached.Task.Within();
        Assert.InRange(final.Positions[0], 0.35, 0.41);
        await succeeded.Task.Within();
        Assert.True(host.CommandsAccepted > 0);
    }

    [Fact]
    public async Task Reset_TriggerService_StartsNewEpisodeAndPublishesInstruction()
    {
        var (server, host, _) = await StartAsync();
        await using var s = server;
        await using var h = host;
        await using var client = await Loopback.ConnectAsync(server);
        var instructions = new List<string>();
        var second = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var sub = await client.SubscribeAsync<StringMessage>("/task/instruction", m =>
        {
            lock (instructions)
            {
                instructions.Add(m.Data);
                if (m.Data.EndsWith("(1)", StringComparison.Ordinal))
                    second.TrySetResult();
            }
        });
        var r = await client.CallServiceAsync<TriggerRequest, TriggerResponse>("/sim/reset", new TriggerRequest());
        Assert.True(r.Success);
        Assert.Equal("push the block (1)", r.Message);
        await second.Task.Within();
    }

    [Fact]
    public async Task Cameras_RawAndCompressed_ArriveAsFrames()
    {
        var (server, host, _) = await StartAsync();
        await using var s = server;
        await using var h = host;
        await using var client = await Loopback.ConnectAsync(server);
        var spec = RobotProfileLoader.Load("sim-arm").Cameras[0];
        await using var raw = new RosCamera(client, spec);
        await using var jpeg = new RosCamera(client, spec, compressed: true);
        var gotRaw = new TaskCompletionSource<Frame>(TaskCreationOptions.RunContinuationsAsynchronously);
        var gotJpeg = new TaskCompletionSource<Frame>(TaskCreationOptions.RunContinuationsAsynchronously);
        await raw.StartAsync(f => gotRaw.TrySetResult(f), CancellationToken.None);
        await jpeg.StartAsync(f => gotJpeg.TrySetResult(f), CancellationToken.None);
        var a = await gotRaw.Task.Within();
        var b = await gotJpeg.Task.Within();
        Assert.Equal((spec.Width, spec.Height), (a.Width, a.Height));
        Assert.Equal((spec.Width, spec.Height), (b.Width, b.Height));
        Assert.Equal("/camera/overhead/image_raw/compressed", jpeg.Topic);
    }

    [Fact]
    public async Task FollowJointTrajectory_Goal_SucceedsAfterTheLastPoint()
    {
        var (server, host, _) = await StartAsync();
        await using var s = server;
        await using var h = host;
        await using var client = await Loopback.ConnectAsync(server);
        var names = RobotProfileLoader.Load("sim-arm").JointNames.ToArray();
        var goal = new FollowJointTrajectory.Goal(new JointTrajectory(new Header(new RosTime()), names,
            [JointTrajectoryPoint.At([0.1, 0, 0, 0, 0], TimeSpan.FromMilliseconds(100)), JointTrajectoryPoint.At([0.2, 0, 0, 0, 0], TimeSpan.FromMilliseconds(200))]));
        var feedback = 0;
        var handle = await client.SendActionGoalAsync<FollowJointTrajectory.Goal, FollowJointTrajectory.Feedback, FollowJointTrajectory.Result>(
            host.ActionName, goal, _ => Interlocked.Increment(ref feedback));
        var result = await handle.Completion.Within();
        Assert.True(result.Succeeded, result.Error);
        Assert.Equal(0, result.Result!.ErrorCode);
        Assert.True(Volatile.Read(ref feedback) > 0);
    }

    [Fact]
    public async Task StaleOrOutOfLimitTrajectory_IsNeverApplied()
    {
        var (server, host, _) = await StartAsync();
        await using var s = server;
        await using var h = host;
        await using var client = await Loopback.ConnectAsync(server);
        var names = RobotProfileLoader.Load("sim-arm").JointNames.ToArray();
        var old = new JointTrajectory(new Header(RosTime.FromDateTimeOffset(DateTimeOffset.UtcNow - TimeSpan.FromSeconds(10))), names, [JointTrajectoryPoint.At([0.1, 0, 0, 0, 0], TimeSpan.FromMilliseconds(50))]);
        var wild = new JointTrajectory(Header.Now(), names, [JointTrajectoryPoint.At([9.0, 0, 0, 0, 0], TimeSpan.FromMilliseconds(50))]);
        await client.PublishAsync("/arm_controller/joint_trajectory", old);
        await client.PublishAsync("/arm_controller/joint_trajectory", wild);
        // a service round trip on the same connection: both publishes were handled before it
        await client.CallServiceAsync<TriggerRequest, TriggerResponse>("/sim/reset", new TriggerRequest());
        Assert.Equal(0, host.CommandsAccepted);
    }
}
