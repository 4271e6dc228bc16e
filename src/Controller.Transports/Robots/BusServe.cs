using System.Net;
using Controller.Abstractions;
using Controller.Transports.Bus;
using Controller.Transports.Mqtt;
using Microsoft.Extensions.Logging;

namespace Controller.Transports.Robots;

/// <summary>
/// What `sim serve --mqtt URL --zmq URL` calls: serves one robot and its cameras on MQTT and/or ZeroMQ with one
/// <see cref="BusRobotServer"/>. <c>--mqtt embedded</c> (or <c>embedded:PORT</c>) starts MQTTnet's in-process broker on
/// 127.0.0.1:1883 (or PORT) and serves through it, so nothing external is needed. Dispose to stop everything.
/// </summary>
public sealed class BusServe : IAsyncDisposable
{
    private readonly List<BusLink> _links = [];
    private readonly List<BusChannel> _channels = [];

    private BusServe()
    {
    }

    public EmbeddedMqttBroker? Broker { get; private set; }

    public BusRobotServer Server { get; private set; } = null!;

    /// <summary>Where clients connect, e.g. "mqtt://127.0.0.1:1883", "tcp://127.0.0.1:5556".</summary>
    public IReadOnlyList<string> Endpoints { get; private set; } = [];

    /// <param name="connectRobot">False when the caller owns the robot/camera callbacks and feeds <see cref="BusRobotServer.OnState"/>/<see cref="BusRobotServer.OnFrame"/>.</param>
    public static async Task<BusServe> StartAsync(IRobot robot, IReadOnlyList<ICamera> cameras, string? mqtt, string? zmq, string cell = "cell0",
        bool jpegFrames = false, bool connectRobot = true, ILogger? logger = null, CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrEmpty(mqtt) && string.IsNullOrEmpty(zmq))
            throw new ArgumentException("serve on at least one bus: --mqtt URL|embedded or --zmq tcp://host:port");
        var serve = new BusServe();
        try
        {
            var profile = robot.Profile;
            var topics = new BusTopics(cell, profile.Name);
            var endpoints = new List<string>();
            if (!string.IsNullOrEmpty(mqtt))
            {
                var url = mqtt;
                if (mqtt.StartsWith("embedded", StringComparison.Ordinal))
                {
                    var port = mqtt.Length > "embedded:".Length && int.TryParse(mqtt["embedded:".Length..], out var p) ? p : 1883;
                    serve.Broker = new EmbeddedMqttBroker(IPAddress.Loopback, port);
                    await serve.Broker.StartAsync(cancellationToken);
                    url = serve.Broker.Url;
                }
                serve._links.Add(new BusLink(BusTransportKind.Mqtt, url, topics, BusRobotServer.Role, server: true, logger: logger)
                {
                    Birth = (profile.JointNames, [.. cameras.Select(c => c.Id)], profile.ControlRateHz),
                });
                endpoints.Add(url);
            }
            if (!string.IsNullOrEmpty(zmq))
            {
                serve._links.Add(new BusLink(BusTransportKind.Zmq, zmq, topics, BusRobotServer.Role, server: true));
                endpoints.Add(zmq);
            }
            var channels = new List<BusChannel>();
            foreach (var link in serve._links)
                channels.Add(await link.ConnectAsync(cancellationToken));
            serve._channels.AddRange(channels);
            serve.Server = new BusRobotServer(robot, cameras, channels, jpegFrames, connectRobot: connectRobot);
            await serve.Server.StartAsync(cancellationToken);
            serve.Endpoints = endpoints;
            return serve;
        }
        catch
        {
            await serve.DisposeAsync();
            throw;
        }
    }

    /// <summary>Inputs rejected on all channels (stale, out of order, malformed, while e-stopped, ...).</summary>
    public long Rejected => _channels.Sum(c => c.TotalRejected);

    public async ValueTask DisposeAsync()
    {
        if (Server is not null)
            await Server.DisposeAsync();
        foreach (var l in _links)
            await l.DisposeAsync();
        _links.Clear();
        if (Broker is not null)
            await Broker.DisposeAsync();
        Broker = null;
    }
}
