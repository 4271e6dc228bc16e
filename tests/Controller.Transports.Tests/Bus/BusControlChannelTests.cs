using Controller.Abstractions;
using Controller.Safety;
using Controller.Transports.Bus;

namespace Controller.Transports.Tests.Bus;

public class BusControlChannelTests
{
    private sealed class Rig : IAsyncDisposable
    {
        public LoopbackTransport Transport { get; } = new("ctl");
        public Arbiter Arbiter { get; } = new(TimeProvider.System);
        public BusChannel Controller { get; }
        public BusChannel Console { get; }
        public BusControlChannel Control { get; }
        public List<AckMessage> Acks { get; } = [];
        public TaskCompletionSource<AckMessage> NextAck { get; set; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Rig()
        {
            var topics = new BusTopics("c", "r");
            Controller = new BusChannel(Transport, topics, new BusSender("controller/1", TimeProvider.System));
            Console = new BusChannel(Transport, topics, new BusSender("console/1", TimeProvider.System));
            var target = new ArbiterModeTarget(Arbiter);
            Control = new BusControlChannel(Controller, target.RequestMode, target.EStop);
            Control.Start();
            Console.On<AckMessage>(topics.Ack, BusQos.Reliable, (_, a) =>
            {
                Acks.Add(a);
                NextAck.TrySetResult(a);
            });
        }

        public async Task<AckMessage> SendAsync(Func<BusHeader, BusMessage> make, string topic)
        {
            NextAck = new(TaskCreationOptions.RunContinuationsAsynchronously);
            await Console.PublishAsync(topic, make, BusQos.Reliable);
            return await NextAck.Task.WaitAsync(TimeSpan.FromSeconds(5));
        }

        public async ValueTask DisposeAsync()
        {
            Control.Dispose();
            await Controller.DisposeAsync();
            await Console.DisposeAsync();
        }
    }

    [Fact]
    public async Task ModeAndEStop_FromConsole_DriveArbiterAndAreAcked()
    {
        await using var rig = new Rig();
        var t = rig.Controller.Topics;

        var a1 = await rig.SendAsync(h => new ModeMessage(h, ControlMode.Autonomous, "go"), t.Mode);
        Assert.True(a1.Ok);
        Assert.Equal(ControlMode.Autonomous, rig.Arbiter.Mode);

        var a2 = await rig.SendAsync(h => new EStopMessage(h, true, "red button"), t.EStop);
        Assert.True(a2.Ok);
        Assert.Equal(ControlMode.Stopped, rig.Arbiter.Mode);

        var a3 = await rig.SendAsync(h => new ModeMessage(h, ControlMode.Autonomous, "try to move"), t.Mode);
        Assert.False(a3.Ok); // latched: only a release leaves Stopped
        Assert.Equal(ControlMode.Stopped, rig.Arbiter.Mode);

        var a4 = await rig.SendAsync(h => new EStopMessage(h, false, "cleared"), t.EStop);
        Assert.True(a4.Ok);
        Assert.Equal(ControlMode.Paused, rig.Arbiter.Mode);
    }

    [Fact]
    public async Task StaleRelease_IsDropped_ButStaleEngageStillStops()
    {
        await using var rig = new Rig();
        var t = rig.Controller.Topics;
        var old = DateTimeOffset.UtcNow.AddSeconds(-30);

        await rig.Console.Transport.PublishAsync(t.EStop, BusCodec.Encode(new EStopMessage(new BusHeader(old, 1, "op", "s"), true, "late stop")), BusQos.Reliable);
        Assert.Equal(ControlMode.Stopped, rig.Arbiter.Mode);

        await rig.Console.Transport.PublishAsync(t.EStop, BusCodec.Encode(new EStopMessage(new BusHeader(old, 2, "op", "s"), false, "late release")), BusQos.Reliable);
        Assert.Equal(ControlMode.Stopped, rig.Arbiter.Mode);
        Assert.Equal(1, rig.Controller.Rejections["stale"]);
    }
}
