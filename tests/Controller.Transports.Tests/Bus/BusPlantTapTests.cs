using Controller.Abstractions;
using Controller.Transports.Bus;
using Controller.Transports.Cameras;
using Controller.Transports.Mqtt;
using Controller.Transports.Robots;
using Controller.Transports.Rosbridge;

namespace Controller.Transports.Tests.Bus;

/// <summary>`sim serve --mqtt/--zmq`: the plant the ROS server drives, tapped so the bus sees and steers the same robot.</summary>
public class BusPlantTapTests
{
    /// <summary>A plant that moves straight to its targets and renders a flat frame.</summary>
    private sealed class Plant(RobotProfile profile) : IRosRobotPlant
    {
        private double[] _q = new double[profile.Dof];

        public RobotProfile Profile => profile;

        public string Instruction => "test";

        public string Reset() => Instruction;

        public double[] HoldTargets() => [.. Volatile.Read(ref _q)];

        public bool Step(double[] targets)
        {
            Volatile.Write(ref _q, [.. targets]);
            return false;
        }

        public RobotState ReadState() => new(profile.JointNames, [.. Volatile.Read(ref _q)], new double[profile.Dof], DateTimeOffset.UtcNow);

        public Frame Render(string camera) => new(camera, PixelFormat.Rgb8, 8, 6, DateTimeOffset.UtcNow, new byte[8 * 6 * 3]);
    }

    [Fact]
    public async Task SimServeOverMqtt_StateFramesAndCommands_ReachTheRosDrivenPlant()
    {
        var profile = TestRobot.SimArm;
        var plant = new Plant(profile);
        var tap = new BusPlantTap(plant, cameraEveryTicks: 1);
        await using var serve = await BusServe.StartAsync(tap, tap.Cameras, $"embedded:{EmbeddedMqttBroker.FreePort()}", null, connectRobot: false);
        tap.Server = serve.Server;
        await using var ros = new RosbridgeServer(new RosbridgeServerOptions { Port = 0 });
        ros.Start();
        await using var host = new RosRobotServer(ros, tap);
        host.Start();

        await using var link = new BusLink(BusTransportKind.Mqtt, serve.Endpoints[0], new BusTopics("cell0", profile.Name), "controller");
        await using var robot = new BusRobot(profile, link);
        await using var camera = new BusCamera(link, "overhead", TimeSpan.FromSeconds(1));
        var frame = new TaskCompletionSource<Frame>(TaskCreationOptions.RunContinuationsAsynchronously);
        await camera.StartAsync(f => frame.TrySetResult(f), CancellationToken.None);
        var moved = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var seq = 0L;
        await robot.ConnectAsync(s =>
        {
            if (Math.Abs(s.Positions[0] - 0.3) < 1e-9)
                moved.TrySetResult();
            else
                robot.SendAction(new JointCommand([0.3, 0.1, 0, 0, 0.01], DateTimeOffset.UtcNow, Interlocked.Increment(ref seq), CommandSource.Policy));
        }, CancellationToken.None);

        await moved.Task.WaitAsync(TimeSpan.FromSeconds(15));
        var f = await frame.Task.WaitAsync(TimeSpan.FromSeconds(15));
        Assert.Equal((8, 6), (f.Width, f.Height));
        Assert.True(serve.Server.CommandsApplied > 0);
    }
}
