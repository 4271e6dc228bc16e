using System.Collections.Concurrent;
using System.Threading.Channels;
using Controller.Abstractions.Telemetry;

namespace Controller.Transports.Bus;

/// <summary>
/// Typed messages over one <see cref="IBusTransport"/> for one robot's topics: stamps outgoing messages
/// (<see cref="BusSender"/>), encodes them (<see cref="Format"/>), and decodes, validates and gates incoming ones.
/// Every rejected payload is counted in <see cref="ControllerMetrics.Reject"/> (source "bus.&lt;transport&gt;")
/// and in <see cref="Rejections"/>. Thread-safe. <see cref="Post"/> never blocks (bounded queue, drop oldest).
/// </summary>
public sealed class BusChannel : IAsyncDisposable
{
    private readonly Channel<Outgoing> _queue;
    private readonly Task _pump;
    private readonly ConcurrentDictionary<string, long> _rejections = new(StringComparer.Ordinal);
    private readonly bool _ownsTransport;
    private long _dropped;

    private readonly record struct Outgoing(string Topic, byte[] Payload, BusQos Qos, bool Retain);

    public BusChannel(IBusTransport transport, BusTopics topics, BusSender sender, int queueCapacity = 64, bool ownsTransport = false)
    {
        _ownsTransport = ownsTransport;
        Transport = transport;
        Topics = topics;
        Sender = sender;
        _queue = Channel.CreateBounded<Outgoing>(
            new BoundedChannelOptions(queueCapacity) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true },
            _ => Interlocked.Increment(ref _dropped));
        _pump = Task.Run(PumpAsync);
    }

    public IBusTransport Transport { get; }

    public BusTopics Topics { get; }

    public BusSender Sender { get; }

    /// <summary>Wire form of outgoing payloads. Incoming payloads may be either form.</summary>
    public BusWireFormat Format { get; init; } = BusWireFormat.Cbor;

    public string MetricSource => $"bus.{Transport.Name}";

    /// <summary>Counts of rejected incoming payloads by reason tag.</summary>
    public IReadOnlyDictionary<string, long> Rejections => _rejections;

    public long TotalRejected => _rejections.Values.Sum();

    /// <summary>Outgoing messages dropped because the send queue was full.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Stamps, encodes and publishes now. Returns false when the transport could not take it.</summary>
    public ValueTask<bool> PublishAsync(string topic, Func<BusHeader, BusMessage> make, BusQos qos, bool retain = false, CancellationToken cancellationToken = default)
        => Transport.PublishAsync(topic, BusCodec.Encode(make(Sender.Next()), Format), qos, retain, cancellationToken);

    /// <summary>Stamps and encodes on the caller's thread and queues for publishing; never blocks. Drops the oldest queued message when full.</summary>
    public void Post(string topic, Func<BusHeader, BusMessage> make, BusQos qos = BusQos.Stream, bool retain = false)
        => _queue.Writer.TryWrite(new Outgoing(topic, BusCodec.Encode(make(Sender.Next()), Format), qos, retain));

    /// <summary>
    /// Subscribes to messages of kind <typeparamref name="T"/> on <paramref name="filter"/>. When a <paramref name="gate"/> is
    /// given, stale or out-of-order messages are dropped (stream key: the topic); <paramref name="ignoreAge"/> exempts some
    /// messages from the age test. Empty payloads (cleared retained messages) are ignored silently.
    /// </summary>
    public IDisposable On<T>(string filter, BusQos qos, Action<string, T> handler, SequenceGate? gate = null, Func<T, bool>? ignoreAge = null)
        where T : BusMessage
        => Transport.Subscribe(filter, qos, (topic, payload) =>
        {
            if (payload.IsEmpty)
                return;
            T message;
            try
            {
                message = BusCodec.Decode<T>(payload);
            }
            catch (BusDecodeException e)
            {
                Reject(e.Reason);
                return;
            }
            if (gate is not null)
            {
                var verdict = gate.Check(topic, message.Header, ignoreAge?.Invoke(message) ?? false);
                if (verdict != GateVerdict.Accept)
                {
                    Reject(verdict.Tag());
                    return;
                }
            }
            handler(topic, message);
        });

    /// <summary>Raised after each rejected input with its reason, on the thread that rejected it. Must not block.</summary>
    public event Action<string>? Rejected;

    /// <summary>Counts one rejected input with its reason.</summary>
    public void Reject(string reason)
    {
        _rejections.AddOrUpdate(reason, 1, (_, n) => n + 1);
        ControllerMetrics.Reject(MetricSource, reason);
        Rejected?.Invoke(reason);
    }

    private async Task PumpAsync()
    {
        await foreach (var o in _queue.Reader.ReadAllAsync())
        {
            bool sent;
            try
            {
                sent = await Transport.PublishAsync(o.Topic, o.Payload, o.Qos, o.Retain);
            }
#pragma warning disable CA1031 // The pump must outlive any one failed publish; the failure is counted.
            catch (Exception)
#pragma warning restore CA1031
            {
                sent = false;
            }
            if (!sent)
                Interlocked.Increment(ref _dropped); // lost; for streams the next message supersedes it
        }
    }

    /// <summary>Stops the send pump (queued messages are flushed first), then disposes the transport if this channel owns it.</summary>
    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _pump.WaitAsync(TimeSpan.FromSeconds(2)).ContinueWith(_ => { }, TaskScheduler.Default);
        if (_ownsTransport)
            await Transport.DisposeAsync();
    }
}
