using System.Text;
using Controller.Abstractions.Telemetry;
using Controller.Transports.Bus;
using NetMQ;
using NetMQ.Sockets;

namespace Controller.Transports.NetMq;

/// <summary>
/// The bus over ZeroMQ PUB/SUB. Messages are two frames: [topic (UTF-8), payload]. ZeroMQ has no broker, no QoS and
/// NetMQ has no CONFLATE, so latest-value delivery is implemented here: the receive thread drains everything queued
/// on the SUB socket, then hands Stream subscribers only the newest message per topic (Reliable subscribers get all,
/// in order). Publishing is thread-safe (one lock around the PUB socket) and never blocks: PUB drops at the HWM.
/// </summary>
public sealed class NetMqBusTransport : IBusTransport
{
    private const int MaxDrain = 4096;

    private readonly PublisherSocket? _pub;
    private readonly SubscriberSocket? _sub;
    private readonly NetMQPoller _poller;
    private readonly Lock _pubGate = new();
    private readonly Lock _subsGate = new();
    private readonly List<Subscription> _subs = [];
    private long _conflated;
    private long _received;
    private bool _disposed;

    private sealed record Subscription(string Filter, BusQos Qos, Action<string, ReadOnlyMemory<byte>> Handler);

    public NetMqBusTransport(NetMqBusOptions options)
    {
        // Either side may be left empty for a publish-only or subscribe-only participant.
        if (!string.IsNullOrEmpty(options.Publish))
        {
            _pub = new PublisherSocket();
            _pub.Options.SendHighWatermark = options.SendHighWatermark;
            _pub.Options.Linger = TimeSpan.Zero;
            Attach(_pub, options.Publish);
        }
        _poller = [];
        if (!string.IsNullOrEmpty(options.Subscribe))
        {
            _sub = new SubscriberSocket();
            _sub.Options.ReceiveHighWatermark = options.ReceiveHighWatermark;
            _sub.Options.Linger = TimeSpan.Zero;
            Attach(_sub, options.Subscribe);
            _sub.SubscribeToAnyTopic();
            _sub.ReceiveReady += OnReceiveReady;
            _poller.Add(_sub);
        }
        _poller.RunAsync("bus-zmq-recv", isBackgroundThread: true);
    }

    public string Name => "zmq";

    /// <summary>ZeroMQ connects lazily and reconnects by itself; the transport counts as connected while it runs.</summary>
    public bool IsConnected => !_disposed;

    /// <summary>Stream messages superseded by a newer one on the same topic before delivery.</summary>
    public long Conflated => Interlocked.Read(ref _conflated);

    public long Received => Interlocked.Read(ref _received);

    private static void Attach(NetMQSocket socket, string endpoint)
    {
        if (endpoint.StartsWith('@'))
            socket.Bind(endpoint[1..]);
        else if (endpoint.StartsWith('>'))
            socket.Connect(endpoint[1..]);
        else
            throw new ArgumentException($"endpoint '{endpoint}' must start with '@' (bind) or '>' (connect)", nameof(endpoint));
    }

    public ValueTask<bool> PublishAsync(string topic, ReadOnlyMemory<byte> payload, BusQos qos, bool retain = false, CancellationToken cancellationToken = default)
    {
        if (_disposed || _pub is null)
            return ValueTask.FromResult(false);
        lock (_pubGate)
        {
            // PUB never blocks: above the HWM the message is dropped by ZeroMQ.
            var ok = _pub.TrySendFrame(TimeSpan.Zero, topic, more: true) && _pub.TrySendFrame(TimeSpan.Zero, payload.ToArray());
            return ValueTask.FromResult(ok);
        }
    }

    public IDisposable Subscribe(string filter, BusQos qos, Action<string, ReadOnlyMemory<byte>> handler)
    {
        var sub = new Subscription(filter, qos, handler);
        lock (_subsGate)
            _subs.Add(sub);
        return new Unsubscriber(this, sub);
    }

    private void OnReceiveReady(object? sender, NetMQSocketEventArgs e)
    {
        // Drain: take everything queued now, so a slow handler never works through a backlog of stale messages.
        var batch = new List<(string Topic, byte[] Payload)>();
        var msg = new NetMQMessage();
        while (batch.Count < MaxDrain && e.Socket.TryReceiveMultipartMessage(TimeSpan.Zero, ref msg, 2))
        {
            if (msg.FrameCount != 2)
            {
                ControllerMetrics.Reject("bus.zmq", "bad_envelope");
                continue;
            }
            batch.Add((Encoding.UTF8.GetString(msg[0].Buffer, 0, msg[0].MessageSize), msg[1].ToByteArray()));
        }
        Interlocked.Add(ref _received, batch.Count);
        var newest = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < batch.Count; i++)
            newest[batch[i].Topic] = i;
        Subscription[] subs;
        lock (_subsGate)
            subs = [.. _subs];
        for (var i = 0; i < batch.Count; i++)
        {
            var (topic, payload) = batch[i];
            var isNewest = newest[topic] == i;
            foreach (var s in subs)
            {
                if (!BusTopics.Matches(s.Filter, topic))
                    continue;
                if (s.Qos == BusQos.Stream && !isNewest)
                {
                    Interlocked.Increment(ref _conflated);
                    continue;
                }
                try
                {
                    s.Handler(topic, payload);
                }
                catch (Exception)
                {
                    ControllerMetrics.Reject("bus.zmq", "handler_failed");
                }
            }
        }
    }

    public ValueTask DisposeAsync()
    {
        if (_disposed)
            return ValueTask.CompletedTask;
        _disposed = true;
        _poller.Stop();
        _poller.Dispose();
        lock (_pubGate)
            _pub?.Dispose();
        _sub?.Dispose();
        return ValueTask.CompletedTask;
    }

    private sealed class Unsubscriber(NetMqBusTransport owner, Subscription sub) : IDisposable
    {
        public void Dispose()
        {
            lock (owner._subsGate)
                owner._subs.Remove(sub);
        }
    }
}
