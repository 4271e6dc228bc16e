using System.Text.Json;
using Controller.Abstractions;
using Controller.Transports.Bus;
using Controller.Transports.Mqtt;
using Controller.Transports.Robots;
using Controller.Transports.Tests.Bus;

namespace Controller.Transports.Tests.Mqtt;

/// <summary>Our MQTT client against a real mosquitto, checked with the real mosquitto_sub/mosquitto_pub tools.</summary>
public class MosquittoInteropTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(15);

    private static MqttBusOptions Options(Mosquitto broker, string id) => new()
    {
        Url = broker.Url,
        ClientId = $"{id}-{Guid.NewGuid():N}"[..20],
        ReconnectMinDelay = TimeSpan.FromMilliseconds(50),
        ReconnectMaxDelay = TimeSpan.FromMilliseconds(400),
    };

    private static string[] Sub(Mosquitto broker, params string[] topics) =>
        ["-h", "127.0.0.1", "-p", broker.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-v", "-W", "20", .. topics.SelectMany(t => new[] { "-t", t })];

    private static string PayloadOf(string line) => line[(line.IndexOf(' ', StringComparison.Ordinal) + 1)..];

    [Fact]
    public async Task RobotServer_JsonForm_MosquittoSubSeesStateTopicAndSchema()
    {
        await using var broker = await Mosquitto.StartAsync();
        var topics = new BusTopics("cell1", "sim-arm");
        await using var channel = await BusConnect.MqttAsync(Options(broker, "robot"), topics, BusRobotServer.Role, TestRobot.SimArm.JointNames, [], 20, format: BusWireFormat.Json);
        await using var robot = new TestRobot();
        using var sub = new CliPeer("mosquitto_sub", Sub(broker, topics.State));
        await using var server = new BusRobotServer(robot, [], channel);
        await server.StartAsync(CancellationToken.None);

        var line = await sub.WaitLineAsync(l => l.StartsWith(topics.State + " ", StringComparison.Ordinal), Wait);

        using var doc = JsonDocument.Parse(PayloadOf(line));
        var r = doc.RootElement;
        Assert.Equal("wm/v1/cell1/sim-arm/state", topics.State);
        Assert.Equal(1, r.GetProperty("v").GetInt32());
        Assert.Equal("state", r.GetProperty("kind").GetString());
        Assert.True(r.GetProperty("seq").GetInt64() > 0);
        Assert.True(r.GetProperty("t").GetInt64() > 0);
        Assert.Equal(TestRobot.SimArm.JointNames, r.GetProperty("names").EnumerateArray().Select(e => e.GetString()!));
        Assert.Equal(5, r.GetProperty("pos").GetArrayLength());
    }

    [Fact]
    public async Task AbortedClient_MosquittoSubSeesRetainedBirthThenDeathFromLastWill()
    {
        await using var broker = await Mosquitto.StartAsync();
        var topics = new BusTopics("cell1", "arm2");
        var channel = await BusConnect.MqttAsync(Options(broker, "ctl"), topics, "controller", ["a", "b"], ["cam"], 20, format: BusWireFormat.Json);
        using var sub = new CliPeer("mosquitto_sub", Sub(broker, topics.Birth("controller"), topics.Death("controller")));

        // The birth is retained, so a late subscriber gets it at once; seeing it also proves mosquitto_sub is subscribed.
        var birth = await sub.WaitLineAsync(l => l.StartsWith(topics.Birth("controller"), StringComparison.Ordinal), Wait);
        using (var b = JsonDocument.Parse(PayloadOf(birth)))
        {
            Assert.Equal("birth", b.RootElement.GetProperty("kind").GetString());
            Assert.Equal(["a", "b"], b.RootElement.GetProperty("joints").EnumerateArray().Select(e => e.GetString()!));
        }

        await ((MqttBusClient)channel.Transport).AbortAsync(); // no DISCONNECT: a crash as far as the broker can tell

        var death = await sub.WaitLineAsync(l => l.StartsWith(topics.Death("controller") + " {", StringComparison.Ordinal), Wait);
        using var d = JsonDocument.Parse(PayloadOf(death));
        Assert.Equal("death", d.RootElement.GetProperty("kind").GetString());
        Assert.Equal("controller", d.RootElement.GetProperty("role").GetString());
        await channel.DisposeAsync();
    }

    [Fact]
    public async Task EStop_FromMosquittoPub_LatchesRobotServerAcksAndBlocksCommands()
    {
        await using var broker = await Mosquitto.StartAsync();
        var topics = new BusTopics("cell1", "sim-arm");
        await using var channel = await BusConnect.MqttAsync(Options(broker, "robot"), topics, BusRobotServer.Role, TestRobot.SimArm.JointNames, [], 20);
        await using var console = await BusConnect.MqttAsync(Options(broker, "console"), topics, "console", [], [], 0);
        await using var robot = new TestRobot();
        await using var server = new BusRobotServer(robot, [], channel);
        var stopped = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        server.EStopChanged += s => stopped.TrySetResult(s);
        var blocked = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        channel.Rejected += r =>
        {
            if (r == "estopped")
                blocked.TrySetResult();
        };
        var acks = new TaskCompletionSource<AckMessage>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var ackSub = console.On<AckMessage>(topics.Ack, BusQos.Reliable, (_, a) => acks.TrySetResult(a));
        await server.StartAsync(CancellationToken.None);
        await ((MqttBusClient)console.Transport).FlushSubscriptionsAsync(CancellationToken.None);
        await ((MqttBusClient)channel.Transport).FlushSubscriptionsAsync(CancellationToken.None);

        var now = BusCodec.ToMicros(DateTimeOffset.UtcNow);
        var json = $$"""{"v":1,"kind":"estop","t":{{now}},"seq":1,"from":"mosquitto_pub","sid":"cli","engage":true,"reason":"operator"}""";
        using var pub = new CliPeer("mosquitto_pub", "-h", "127.0.0.1", "-p", broker.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-q", "1", "-t", topics.EStop, "-m", json);
        Assert.Equal(0, await pub.WaitExitAsync(Wait));

        Assert.True(await stopped.Task.WaitAsync(Wait));
        var ack = await acks.Task.WaitAsync(Wait);
        Assert.True(server.IsEStopped);
        Assert.Equal(BusKinds.EStop, ack.Of);
        Assert.Equal("mosquitto_pub", ack.AckedSender);
        Assert.Equal(1, ack.AckedSequence);

        var before = robot.Received.Count;
        await console.PublishAsync(topics.Command, h => new CommandMessage(h, new JointCommand([0.1, 0.1, 0.1, 0.1, 0.01], DateTimeOffset.UtcNow, 1, CommandSource.Teleop)), BusQos.Stream);
        await blocked.Task.WaitAsync(Wait);
        Assert.Equal(before, robot.Received.Count);
    }
}
