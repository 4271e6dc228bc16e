using System.Net;
using Controller.Transports.Mqtt;
using Controller.Transports.NetMq;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Controller.Transports.Bus;

/// <summary>
/// The bus of one controller process, as a hosted service: starts the embedded MQTT broker when no broker or ZeroMQ
/// url is configured, then opens the <see cref="Channel"/>. Resolve it and use <see cref="Channel"/> after the host started.
/// </summary>
public sealed class BusRuntime(IOptions<BusOptions> options, TimeProvider time, ILoggerFactory loggers) : IHostedService, IAsyncDisposable
{
    private BusChannel? _channel;

    public EmbeddedMqttBroker? Broker { get; private set; }

    public BusChannel Channel => _channel ?? throw new InvalidOperationException("the bus is not started yet (BusRuntime is a hosted service)");

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var o = options.Value;
        var topics = new BusTopics(o.Cell, o.Robot);
        if (!string.IsNullOrEmpty(o.ZmqUrl))
        {
            _channel = BusConnect.Zmq(NetMqBusOptions.Client(o.ZmqUrl), topics, o.Role, time);
            return;
        }
        if (string.IsNullOrEmpty(o.Mqtt.Url))
        {
            Broker = new EmbeddedMqttBroker(IPAddress.Loopback, o.EmbeddedBrokerPort);
            await Broker.StartAsync(cancellationToken);
            o.Mqtt.Url = Broker.Url;
        }
        _channel = await BusConnect.MqttAsync(o.Mqtt, topics, o.Role, o.Joints, o.Cameras, o.RateHz, time, loggers.CreateLogger<MqttBusClient>(), cancellationToken: cancellationToken);
    }

    public async Task StopAsync(CancellationToken cancellationToken) => await DisposeAsync();

    public async ValueTask DisposeAsync()
    {
        if (_channel is not null)
            await _channel.DisposeAsync();
        _channel = null;
        if (Broker is not null)
            await Broker.DisposeAsync();
        Broker = null;
    }
}
