using Controller.Transports.Mqtt;
using Controller.Transports.NetMq;
using Microsoft.Extensions.Logging;

namespace Controller.Transports.Bus;

/// <summary>Which bus a link uses.</summary>
public enum BusTransportKind
{
    Mqtt,
    Zmq,
}

/// <summary>
/// One lazily opened bus connection shared by a process's bus robot, cameras, sink and control channel:
/// the first <see cref="ConnectAsync"/> opens it (MQTT: connects and waits; ZeroMQ: binds/connects sockets),
/// later calls get the same channel. Thread-safe. Disposing closes the channel (death message on MQTT).
/// </summary>
public sealed class BusLink(BusTransportKind kind, string url, BusTopics topics, string role, bool server = false,
    MqttBusOptions? mqtt = null, TimeProvider? time = null, ILogger? logger = null) : IAsyncDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private BusChannel? _channel;

    public BusTransportKind Kind => kind;

    public string Url => url;

    public BusTopics Topics => topics;

    /// <summary>Birth details announced on MQTT; set before the first connect.</summary>
    public (IReadOnlyList<string> Joints, IReadOnlyList<string> Cameras, double RateHz) Birth { get; set; } = ([], [], 0);

    /// <summary>The channel if already open, else null (never blocks).</summary>
    public BusChannel? Channel => Volatile.Read(ref _channel);

    public async Task<BusChannel> ConnectAsync(CancellationToken cancellationToken)
    {
        if (Channel is { } open)
            return open;
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (_channel is not null)
                return _channel;
            var channel = kind switch
            {
                BusTransportKind.Zmq => BusConnect.Zmq(server ? NetMqBusOptions.Server(url) : NetMqBusOptions.Client(url), topics, role, time),
                _ => await BusConnect.MqttAsync(WithUrl(mqtt ?? new MqttBusOptions(), url), topics, role, Birth.Joints, Birth.Cameras, Birth.RateHz,
                    time, logger, cancellationToken: cancellationToken),
            };
            Volatile.Write(ref _channel, channel);
            return channel;
        }
        finally
        {
            _gate.Release();
        }
    }

    private static MqttBusOptions WithUrl(MqttBusOptions o, string url)
    {
        o.Url = url;
        return o;
    }

    public async ValueTask DisposeAsync()
    {
        var c = Interlocked.Exchange(ref _channel, null);
        if (c is not null)
            await c.DisposeAsync();
        _gate.Dispose();
    }
}
