using Controller.Abstractions;
using Controller.Transports.Bus;
using Controller.Transports.Mqtt;
using Controller.Transports.NetMq;
using Controller.Transports.Robots;

namespace Controller.Transports.Tests.Bus;

public class BusServeTests
{
    [Fact]
    public async Task StartAsync_MqttEmbeddedAndZmq_ServesSameRobotOnBoth()
    {
        await using var robot = new TestRobot();
        await using var cam = new TestCamera("overhead", 64, 64);
        var (serve, mqttPort, zmq) = await ServeOnFreePortsAsync(robot, cam);
        await using var owned = serve;
        Assert.Equal([$"mqtt://127.0.0.1:{mqttPort}", zmq], serve.Endpoints);

        var topics = new BusTopics("cell0", "sim-arm");
        await using var overMqtt = new BusLink(BusTransportKind.Mqtt, serve.Endpoints[0], topics, "controller");
        await using var overZmq = new BusLink(BusTransportKind.Zmq, zmq, topics, "controller");
        await using var r1 = new BusRobot(TestRobot.SimArm, overMqtt);
        await using var r2 = new BusRobot(TestRobot.SimArm, overZmq, TimeSpan.FromSeconds(10));
        await r1.ConnectAsync(_ => { }, CancellationToken.None);
        await r2.ConnectAsync(_ => { }, CancellationToken.None);

        var fromBoth = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var seen = new HashSet<double>();
        robot.Commanded += c =>
        {
            lock (seen)
            {
                seen.Add(c.Positions[0]);
                if (seen.Contains(0.1) && seen.Contains(0.2))
                    fromBoth.TrySetResult();
            }
        };
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(50));
        using var give = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        long seq = 0;
        while (!fromBoth.Task.IsCompleted && await timer.WaitForNextTickAsync(give.Token))
        {
            seq++;
            r1.SendAction(new JointCommand([0.1, 0, 0, 0, 0], DateTimeOffset.UtcNow, seq, CommandSource.Policy));
            r2.SendAction(new JointCommand([0.2, 0, 0, 0, 0], DateTimeOffset.UtcNow, seq, CommandSource.Policy));
        }
        Assert.True(fromBoth.Task.IsCompleted);
    }

    /// <summary>The ports were free a moment ago; a test running in parallel can take one in between, so try again.</summary>
    private static async Task<(BusServe Serve, int MqttPort, string Zmq)> ServeOnFreePortsAsync(TestRobot robot, TestCamera cam)
    {
        for (var attempt = 1; ; attempt++)
        {
            var mqttPort = EmbeddedMqttBroker.FreePort();
            var zmq = $"tcp://127.0.0.1:{NetMqBusOptions.FreeServerPort()}";
            try
            {
                return (await BusServe.StartAsync(robot, [cam], $"embedded:{mqttPort}", zmq), mqttPort, zmq);
            }
            catch (NetMQ.AddressAlreadyInUseException) when (attempt < 3)
            {
            }
        }
    }

    [Fact]
    public async Task StartAsync_NoBus_ThrowsClearError()
    {
        await using var robot = new TestRobot();
        var e = await Assert.ThrowsAsync<ArgumentException>(() => BusServe.StartAsync(robot, [], null, null));
        Assert.Contains("--mqtt", e.Message, StringComparison.Ordinal);
    }
}

public class BusConnectTests
{
    [Fact]
    public async Task MqttAsync_NoBroker_TimesOutWithClearMessage()
    {
        var port = Controller.Transports.Mqtt.EmbeddedMqttBroker.FreePort();
        var e = await Assert.ThrowsAsync<TimeoutException>(() => BusConnect.MqttAsync(
            new Controller.Transports.Mqtt.MqttBusOptions { Url = $"mqtt://127.0.0.1:{port}" }, new BusTopics("c", "r"), "controller", [], [], 0,
            firstConnectTimeout: TimeSpan.FromMilliseconds(500)));
        Assert.Contains($"127.0.0.1:{port}", e.Message, StringComparison.Ordinal);
    }
}
