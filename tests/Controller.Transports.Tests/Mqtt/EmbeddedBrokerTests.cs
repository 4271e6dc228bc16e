using Controller.Abstractions;
using Controller.Transports.Bus;
using Controller.Transports.Cameras;
using Controller.Transports.Mqtt;
using Controller.Transports.Robots;
using Controller.Transports.Tests.Bus;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Controller.Transports.Tests.Mqtt;

/// <summary>The loop's bus pieces over MQTTnet's embedded broker: nothing external needed.</summary>
public class EmbeddedBrokerTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    private static MqttBusOptions Options(EmbeddedMqttBroker broker) => new() { Url = broker.Url };

    [Fact]
    public async Task BusRobot_OverEmbeddedBroker_ReceivesStateAndCommandsReachRobot()
    {
        await using var broker = new EmbeddedMqttBroker();
        await broker.StartAsync(CancellationToken.None);
        var topics = new BusTopics("cell0", "sim-arm");
        await using var robotSide = await BusConnect.MqttAsync(Options(broker), topics, BusRobotServer.Role, TestRobot.SimArm.JointNames, [], 20);
        await using var controllerSide = await BusConnect.MqttAsync(Options(broker), topics, "controller", TestRobot.SimArm.JointNames, [], 20);
        await using var simRobot = new TestRobot();
        await using var server = new BusRobotServer(simRobot, [], robotSide);
        await server.StartAsync(CancellationToken.None);
        var commanded = new TaskCompletionSource<JointCommand>(TaskCreationOptions.RunContinuationsAsynchronously);
        simRobot.Commanded += c => commanded.TrySetResult(c);

        await using var busRobot = new BusRobot(TestRobot.SimArm, controllerSide);
        var firstState = new TaskCompletionSource<RobotState>(TaskCreationOptions.RunContinuationsAsynchronously);
        await busRobot.ConnectAsync(s => firstState.TrySetResult(s), CancellationToken.None);
        var state = await firstState.Task.WaitAsync(Wait);
        Assert.Equal(TestRobot.SimArm.JointNames, state.JointNames);

        var cmd = new JointCommand([0.2, -0.1, 0.3, 0.0, 0.02], DateTimeOffset.UtcNow, 1, CommandSource.Policy);
        Assert.Same(cmd, busRobot.SendAction(cmd));
        var got = await commanded.Task.WaitAsync(Wait);
        Assert.Equal(cmd.Positions, got.Positions);
        Assert.Equal(1, got.Sequence);
    }

    [Fact]
    public async Task BusActionSink_Chunk_ArrivesWithTokensAndTargets()
    {
        await using var broker = new EmbeddedMqttBroker();
        await broker.StartAsync(CancellationToken.None);
        var topics = new BusTopics("cell0", "arm");
        await using var controller = await BusConnect.MqttAsync(Options(broker), topics, "controller", [], [], 20);
        await using var console = await BusConnect.MqttAsync(Options(broker), topics, "console", [], [], 0);
        var got = new TaskCompletionSource<ActionsMessage>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var sub = console.On<ActionsMessage>(topics.Actions, BusQos.Stream, (_, m) => got.TrySetResult(m));
        await ((MqttBusClient)console.Transport).FlushSubscriptionsAsync(CancellationToken.None);

        var chunk = Samples.Chunk(steps: 5, dof: 3);
        new BusActionSink(controller).OnChunk(chunk);

        var m = await got.Task.WaitAsync(Wait);
        Assert.Equal(chunk.Tokens, m.Chunk.Tokens);
        Assert.Equal(chunk.Targets, m.Chunk.Targets);
        Assert.Equal(chunk.Sequence, m.Chunk.Sequence);
    }

    [Fact]
    public async Task BusCamera_JpegFramesFromRobotServer_DecodeToRgbFrames()
    {
        await using var broker = new EmbeddedMqttBroker();
        await broker.StartAsync(CancellationToken.None);
        var topics = new BusTopics("cell0", "sim-arm");
        await using var robotSide = await BusConnect.MqttAsync(Options(broker), topics, BusRobotServer.Role, TestRobot.SimArm.JointNames, ["overhead"], 20);
        await using var controllerSide = await BusConnect.MqttAsync(Options(broker), topics, "controller", [], [], 20);
        await using var robot = new TestRobot();
        await using var camera = new TestCamera("overhead", 32, 24, 200, 60, 30);
        await using var server = new BusRobotServer(robot, [camera], robotSide, jpegFrames: true);
        await using var busCamera = new BusCamera(controllerSide, "overhead", TimeSpan.FromMilliseconds(500));
        var got = new TaskCompletionSource<Frame>(TaskCreationOptions.RunContinuationsAsynchronously);
        await busCamera.StartAsync(f => got.TrySetResult(f), CancellationToken.None);
        await server.StartAsync(CancellationToken.None);

        var frame = await got.Task.WaitAsync(Wait);

        Assert.Equal(PixelFormat.Rgb8, frame.Format);
        Assert.Equal((32, 24), (frame.Width, frame.Height));
        var px = frame.Pixels.Span;
        Assert.InRange(px[0], 190, 210); // JPEG is lossy; a flat colour survives within a few levels
        Assert.InRange(px[1], 50, 70);
        Assert.InRange(px[2], 20, 40);
    }

    [Fact]
    public async Task AddBus_NoBrokerConfigured_StartsEmbeddedBrokerAndConnects()
    {
        var port = EmbeddedMqttBroker.FreePort();
        using var host = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder([]).Apply(b => b.Services.AddBus(o =>
        {
            o.Robot = "arm9";
            o.EmbeddedBrokerPort = port;
        })).Build();
        await host.StartAsync();
        var bus = host.Services.GetRequiredService<BusRuntime>();
        Assert.NotNull(bus.Broker);
        Assert.True(bus.Broker!.IsRunning);
        Assert.True(bus.Channel.Transport.IsConnected);
        Assert.Equal("wm/v1/cell0/arm9", bus.Channel.Topics.Root);
        await host.StopAsync();
    }
}

internal static class BuilderExtensions
{
    public static T Apply<T>(this T builder, Action<T> configure)
    {
        configure(builder);
        return builder;
    }
}
