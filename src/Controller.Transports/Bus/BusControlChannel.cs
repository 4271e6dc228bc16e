using Controller.Abstractions;

namespace Controller.Transports.Bus;

/// <summary>
/// Mode and e-stop requests from the bus into the controller, and their acknowledgements back out. The callbacks
/// decide (wire them to the Arbiter: <c>(mode, why) =&gt; mode switch { Autonomous =&gt; arbiter.Engage(why), ... }</c>,
/// <c>(engage, why) =&gt; engage ? arbiter.EStop(why) : arbiter.Reset(why)</c>) and return whether the request took effect;
/// the ack carries that result. Stale (older than <c>maxAge</c>) or out-of-order requests are dropped and counted,
/// except an e-stop engage, which is never dropped for age (fail-safe). Callbacks run on the transport's thread.
/// </summary>
public sealed class BusControlChannel(BusChannel channel, Func<ControlMode, string, bool> requestMode, Func<bool, string, bool> estop, TimeSpan? maxAge = null) : IDisposable
{
    private readonly List<IDisposable> _subscriptions = [];

    public void Start()
    {
        var age = maxAge ?? TimeSpan.FromSeconds(2);
        var modeGate = new SequenceGate(channel.Sender.Time, age);
        var estopGate = new SequenceGate(channel.Sender.Time, age);
        _subscriptions.Add(channel.On<ModeMessage>(channel.Topics.Mode, BusQos.Reliable, (_, m) =>
            Ack(m, BusKinds.Mode, requestMode(m.Mode, Why(m, m.Reason)), BusCodec.ModeName(m.Mode)), modeGate));
        _subscriptions.Add(channel.On<EStopMessage>(channel.Topics.EStop, BusQos.Reliable, (_, m) =>
            Ack(m, BusKinds.EStop, estop(m.Engage, Why(m, m.Reason)), m.Engage ? "stop" : "release"), estopGate, m => m.Engage));
    }

    private static string Why(BusMessage m, string reason) => $"bus {m.Header.Sender}: {(reason.Length > 0 ? reason : m.Kind)}";

    private void Ack(BusMessage m, string of, bool ok, string what) =>
        channel.Post(channel.Topics.Ack, h => new AckMessage(h, of, m.Header.Sender, m.Header.Sequence, ok, ok ? what : $"{what} refused"), BusQos.Reliable);

    public void Dispose()
    {
        foreach (var s in _subscriptions)
            s.Dispose();
        _subscriptions.Clear();
    }
}
