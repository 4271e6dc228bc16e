using Controller.Abstractions;
using Controller.Transports.Bus;
using Controller.Transports.Cameras;
using Controller.Transports.Mqtt;
using Controller.Transports.NetMq;
using Controller.Transports.Robots;
using Controller.Transports.Tests.Bus;

namespace Controller.Transports.Tests.NetMq;

public class NetMqStreamTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task BusCamera_PyzmqPublisher_IngestsFramesWithContent()
    {
        var port = EmbeddedMqttBroker.FreePort();
        var topics = new BusTopics("cell0", "sim-arm");
        using var peer = PythonPeer.Start("frame_publisher.py", port.ToString(System.Globalization.CultureInfo.InvariantCulture), topics.Camera("overhead"), "overhead", "16", "12");
        await peer.WaitLineAsync(l => l == "ready", Wait);
        await using var channel = BusConnect.Zmq(new NetMqBusOptions { Publish = "", Subscribe = $">tcp://127.0.0.1:{port}" }, topics, "controller");
        await using var camera = new BusCamera(channel, "overhead", TimeSpan.FromMilliseconds(500));
        var frames = new List<Frame>();
        var three = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await camera.StartAsync(f =>
        {
            lock (frames)
            {
                frames.Add(f);
                if (frames.Count == 3)
                    three.TrySetResult();
            }
        }, CancellationToken.None);

        await three.Task.WaitAsync(Wait);

        Frame[] got;
        lock (frames)
            got = [.. frames];
        var f0 = got[0];
        Assert.Equal((PixelFormat.Rgb8, 16, 12), (f0.Format, f0.Width, f0.Height));
        var px = f0.Pixels.Span;
        var i = (5 * 16 + 7) * 3; // pixel (x=7, y=5) = (7, 5, seq)
        Assert.Equal((7, 5), (px[i], px[i + 1]));
        Assert.True(got[1].Timestamp > got[0].Timestamp);
        Assert.Equal(0, channel.TotalRejected);
    }

    [Fact]
    public async Task Subscribe_StreamBacklogWhileHandlerBusy_DeliversOnlyNewestPerTopic()
    {
        var port = EmbeddedMqttBroker.FreePort();
        var topics = new BusTopics("cell0", "arm");
        await using var pub = new NetMqBusTransport(new NetMqBusOptions { Publish = $"@tcp://127.0.0.1:{port}", Subscribe = "", SendHighWatermark = 1000 });
        await using var sub = new NetMqBusTransport(new NetMqBusOptions { Publish = "", Subscribe = $">tcp://127.0.0.1:{port}", ReceiveHighWatermark = 1000 });
        await using var probe = new NetMqBusTransport(new NetMqBusOptions { Publish = "", Subscribe = $">tcp://127.0.0.1:{port}", ReceiveHighWatermark = 1000 });
        var delivered = new List<int>();
        var first = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var last = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new ManualResetEventSlim();
        using var s1 = sub.Subscribe(topics.State, BusQos.Stream, (_, p) =>
        {
            lock (delivered)
                delivered.Add(p.Span[0]);
            if (p.Span[0] == 0)
            {
                first.TrySetResult();
                release.Wait(Wait); // a slow consumer: the backlog piles up meanwhile
            }
            if (p.Span[0] == 100)
                last.TrySetResult();
        });
        var probeSawLast = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var probeFirst = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var s2 = probe.Subscribe(topics.State, BusQos.Reliable, (_, p) =>
        {
            if (p.Span[0] == 0)
                probeFirst.TrySetResult();
            if (p.Span[0] == 100)
                probeSawLast.TrySetResult();
        });

        // ZeroMQ's slow joiner: keep sending message 0 until both subscribers got one.
        using (var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(10)))
        using (var give = new CancellationTokenSource(Wait))
        {
            while (!(first.Task.IsCompleted && probeFirst.Task.IsCompleted) && await timer.WaitForNextTickAsync(give.Token))
                await pub.PublishAsync(topics.State, new byte[] { 0 }, BusQos.Stream);
        }
        for (byte v = 1; v <= 100; v++)
            await pub.PublishAsync(topics.State, new[] { v }, BusQos.Stream);
        await probeSawLast.Task.WaitAsync(Wait); // everything is on the wire
        release.Set();
        await last.Task.WaitAsync(Wait);

        int[] got;
        lock (delivered)
            got = [.. delivered.Where(v => v != 0)];
        Assert.Equal(100, got[^1]);
        Assert.True(got.Length <= 10, $"a busy stream subscriber got {got.Length} of 100 backlog messages: {string.Join(",", got)}");
        Assert.True(sub.Conflated >= 90);
    }

    [Fact]
    public async Task BusRobot_OverZmq_ClosesLoopWithRobotServer()
    {
        var port = NetMqBusOptions.FreeServerPort();
        var url = $"tcp://127.0.0.1:{port}";
        var topics = new BusTopics("cell0", "sim-arm");
        await using var robotSide = BusConnect.Zmq(NetMqBusOptions.Server(url), topics, BusRobotServer.Role);
        await using var controllerSide = BusConnect.Zmq(NetMqBusOptions.Client(url), topics, "controller");
        await using var simRobot = new TestRobot();
        await using var server = new BusRobotServer(simRobot, [], robotSide);
        await server.StartAsync(CancellationToken.None);
        var commanded = new TaskCompletionSource<JointCommand>(TaskCreationOptions.RunContinuationsAsynchronously);
        simRobot.Commanded += c => commanded.TrySetResult(c);

        await using var busRobot = new BusRobot(TestRobot.SimArm, controllerSide, TimeSpan.FromSeconds(10));
        RobotState? state = null;
        await busRobot.ConnectAsync(s => state = s, CancellationToken.None);
        Assert.NotNull(state);

        // Commands are a stream; the loop sends one per tick, and the first may meet the slow joiner.
        long seq = 0;
        using (var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(50)))
        using (var give = new CancellationTokenSource(Wait))
        {
            while (!commanded.Task.IsCompleted && await timer.WaitForNextTickAsync(give.Token))
                busRobot.SendAction(new JointCommand([0.1, 0.2, 0.3, 0.4, 0.02], DateTimeOffset.UtcNow, ++seq, CommandSource.Policy));
        }
        var got = await commanded.Task.WaitAsync(Wait);
        Assert.Equal([0.1, 0.2, 0.3, 0.4, 0.02], got.Positions);
    }
}
