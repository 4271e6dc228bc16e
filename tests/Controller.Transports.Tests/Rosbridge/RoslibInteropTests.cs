using Controller.Transports.Rosbridge;
using Controller.Transports.Rosbridge.Messages;

namespace Controller.Transports.Tests.Rosbridge;

/// <summary>npm roslib 2.x (the standard rosbridge JavaScript client) against our server: the real-peer check of the protocol.</summary>
public sealed class RoslibInteropTests
{
    [Fact]
    public async Task Roslib_SubscribesPublishesCallsAndSendsGoals_AgainstOurServer()
    {
        await using var server = Loopback.StartServer(new RosbridgeServerOptions { Dialect = RosDialect.Ros2 });
        server.Advertise<JointState>("/joint_states");
        server.Advertise<Image>("/camera/overhead/image_raw");
        // publish to whoever subscribes, the moment they subscribe (no timers in the test)
        var pixels = new byte[32 * 24 * 3];
        new Random(3).NextBytes(pixels);
        server.ClientSubscribed += (topic, _) =>
        {
            if (topic == "/joint_states")
                server.Publish(topic, new JointState(Header.Now(), ["j1", "j2"], [0.1, 0.2], [0, 0], []));
            else if (topic == "/camera/overhead/image_raw")
                server.Publish(topic, new Image(Header.Now(), 24, 32, "rgb8", 0, 32 * 3, pixels));
        };
        JointTrajectory? last = null;
        using var _ = server.Subscribe<JointTrajectory>("/arm_controller/joint_trajectory", jt => Volatile.Write(ref last, jt));
        server.AdvertiseService<TriggerRequest, TriggerResponse>("/test/last_trajectory", (_, _) =>
        {
            var jt = Volatile.Read(ref last);
            return Task.FromResult(new TriggerResponse(jt is not null, jt is null ? "none" : string.Join(",", jt.Points[0].Positions)));
        });
        server.AdvertiseService<TriggerRequest, TriggerResponse>("/sim/reset", (_, _) => Task.FromResult(new TriggerResponse(true, "reset")));
        server.AdvertiseAction("/arm_controller/follow_joint_trajectory", "control_msgs/action/FollowJointTrajectory", async (goal, ctx) =>
        {
            var g = FollowJointTrajectory.Goal.FromRos(goal);
            foreach (var p in g.Trajectory.Points)
            {
                ctx.SendFeedback(new FollowJointTrajectory.Feedback(Header.Now(), g.Trajectory.JointNames, p.Positions, p.Positions).ToRos(RosDialect.Ros2));
                await Task.Yield();
            }
            return RosActionOutcome.Succeeded(new FollowJointTrajectory.Result(FollowJointTrajectory.Successful).ToRos(RosDialect.Ros2));
        });

        var (code, output) = await NodePeer.RunScriptAsync("interop.mjs", [server.Uri.ToString()], TimeSpan.FromMinutes(2));

        Assert.True(code == 0, output);
        foreach (var check in new[] { "joint_states_none", "joint_states_cbor", "camera_none", "camera_cbor", "camera_png", "publish_joint_trajectory", "call_trigger", "action_goal" })
            Assert.Contains($"{{\"check\":\"{check}\",\"ok\":true", output, StringComparison.Ordinal);
        Assert.Equal([0.5, -0.25], Volatile.Read(ref last)!.Points[0].Positions);
        // CBOR must arrive as typed arrays on the roslib side (rosbridge's float64 tag 86)
        Assert.Contains("\"typed\":true", output, StringComparison.Ordinal);
    }
}
