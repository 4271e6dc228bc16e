using Controller.Abstractions;
using Controller.Transports.Bus;
using Controller.Transports.Mqtt;
using Controller.Transports.Robots;
using Controller.Transports.Tests.Bus;

namespace Controller.Transports.Tests.Mqtt;

/// <summary>A 30 Hz command stream through a mosquitto that is killed and restarted 10 times.</summary>
public class MqttReliabilityTests
{
    private static MqttBusOptions Options(Mosquitto broker, string id) => new()
    {
        Url = broker.Url,
        ClientId = $"{id}-{Guid.NewGuid():N}"[..20],
        ReconnectMinDelay = TimeSpan.FromMilliseconds(50),
        ReconnectMaxDelay = TimeSpan.FromMilliseconds(400),
    };

    [Fact]
    public async Task CommandStream_BrokerRestartedTenTimes_ReconnectsResubscribesAndDeliversNoStaleCommand()
    {
        await using var broker = await Mosquitto.StartAsync();
        var topics = new BusTopics("cell1", "sim-arm");
        await using var robotSide = await BusConnect.MqttAsync(Options(broker, "robot"), topics, BusRobotServer.Role, TestRobot.SimArm.JointNames, [], 20);
        await using var controller = await BusConnect.MqttAsync(Options(broker, "ctl"), topics, "controller", TestRobot.SimArm.JointNames, [], 30);
        await using var robot = new TestRobot();
        await using var server = new BusRobotServer(robot, [], robotSide);
        await server.StartAsync(CancellationToken.None);

        long newest = 0;
        TaskCompletionSource<long>? waitAbove = null;
        long waitMark = long.MaxValue;
        var gate = new Lock();
        robot.Commanded += c =>
        {
            lock (gate)
            {
                newest = c.Sequence;
                if (c.Sequence > waitMark)
                    waitAbove?.TrySetResult(c.Sequence);
            }
        };
        Task<long> NextAbove(long mark)
        {
            lock (gate)
            {
                waitMark = mark;
                waitAbove = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
                if (newest > mark)
                    waitAbove.TrySetResult(newest);
                return waitAbove.Task;
            }
        }
        var staleRejected = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        robotSide.Rejected += r =>
        {
            if (r is "stale" or "out_of_order")
                staleRejected.TrySetResult();
        };

        // The controller's 30 Hz stream; publishing while the broker is down just fails (returns false), never throws.
        using var stop = new CancellationTokenSource();
        long sent = 0;
        byte[]? oldPayload = null;
        var stream = Task.Run(async () =>
        {
            using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1.0 / 30));
            while (await timer.WaitForNextTickAsync(stop.Token).ConfigureAwait(false))
            {
                var seq = Interlocked.Increment(ref sent);
                var cmd = new JointCommand([0.001 * (seq % 100), 0, 0, 0, 0.01], DateTimeOffset.UtcNow, seq, CommandSource.Policy);
                var payload = BusCodec.Encode(new CommandMessage(controller.Sender.Next(), cmd));
                oldPayload ??= payload;
                await controller.Transport.PublishAsync(topics.Command, payload, BusQos.Stream);
            }
        });

        var wait = TimeSpan.FromSeconds(15);
        await NextAbove(0).WaitAsync(wait);
        for (var i = 0; i < 10; i++)
        {
            await broker.RestartAsync();
            var mark = Interlocked.Read(ref sent);
            var first = await NextAbove(mark).WaitAsync(wait); // both clients are back and the robot side re-subscribed
            await NextAbove(first + 3).WaitAsync(wait); // and the stream flows again
            if (i == 4)
            {
                // Replay an old command verbatim (what a broker queue or a buggy bridge could do): it must be dropped.
                await controller.Transport.PublishAsync(topics.Command, oldPayload!, BusQos.Stream);
                await staleRejected.Task.WaitAsync(wait);
            }
        }
        await stop.CancelAsync();
        await stream.ContinueWith(_ => { }, TaskScheduler.Default);

        var received = robot.Received;
        Assert.True(received.Count >= 40, $"only {received.Count} commands arrived");
        for (var i = 1; i < received.Count; i++)
            Assert.True(received[i].Command.Sequence > received[i - 1].Command.Sequence, $"command {received[i].Command.Sequence} after {received[i - 1].Command.Sequence}");
        var limit = TestRobot.SimArm.StaleAfter + TimeSpan.FromMilliseconds(50);
        Assert.All(received, r => Assert.True(r.At - r.Command.Stamp <= limit, $"command {r.Command.Sequence} was {(r.At - r.Command.Stamp).TotalMilliseconds:0} ms old"));
        Assert.True(((MqttBusClient)robotSide.Transport).Connects >= 11);
        Assert.True(((MqttBusClient)controller.Transport).Connects >= 11);
        Assert.False(robotSide.Rejections.ContainsKey("handler_failed"));
    }
}
