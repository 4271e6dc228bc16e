using Controller.Transports.Mqtt;
using Controller.Transports.NetMq;
using Microsoft.Extensions.Logging;

namespace Controller.Transports.Bus;

/// <summary>Opens a <see cref="BusChannel"/> (which owns its transport) over MQTT or ZeroMQ for one participant.</summary>
public static class BusConnect
{
    /// <summary>How long <see cref="MqttAsync"/> waits for the first connection by default before giving up with a clear error.</summary>
    public static readonly TimeSpan DefaultFirstConnectTimeout = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Connects to an MQTT broker as <paramref name="role"/> ("controller", "robot", "console"): registers the death message as
    /// the Last Will, publishes the birth message after every (re)connect, and waits for the first connection.
    /// </summary>
    public static async Task<BusChannel> MqttAsync(MqttBusOptions options, BusTopics topics, string role, IReadOnlyList<string> joints,
        IReadOnlyList<string> cameras, double rateHz, TimeProvider? time = null, ILogger? logger = null, BusWireFormat format = BusWireFormat.Cbor,
        TimeSpan? firstConnectTimeout = null, CancellationToken cancellationToken = default)
    {
        var sender = new BusSender($"{role}/{(options.ClientId.Length > 0 ? options.ClientId : Guid.NewGuid().ToString("N")[..8])}", time ?? TimeProvider.System);
        var will = new MqttLastWill(
            topics.Birth(role), () => BusCodec.Encode(new BirthMessage(sender.Next(), role, joints, cameras, rateHz), format),
            topics.Death(role), () => BusCodec.Encode(new DeathMessage(sender.Next(), role, "connection lost"), format));
        var client = new MqttBusClient(options, will, logger);
        var channel = new BusChannel(client, topics, sender, ownsTransport: true) { Format = format };
        var timeout = firstConnectTimeout ?? DefaultFirstConnectTimeout;
        try
        {
            await client.StartAsync(cancellationToken).WaitAsync(timeout, cancellationToken);
        }
        catch (TimeoutException)
        {
            await channel.DisposeAsync();
            throw new TimeoutException($"cannot reach the MQTT broker at {options.Url} within {timeout.TotalSeconds:0.#} s (is it running? right port, credentials, TLS?)");
        }
        catch
        {
            await channel.DisposeAsync();
            throw;
        }
        return channel;
    }

    /// <summary>Opens ZeroMQ PUB/SUB sockets (bind or connect per <paramref name="options"/>); ZeroMQ connects lazily, so this does not wait.</summary>
    public static BusChannel Zmq(NetMqBusOptions options, BusTopics topics, string role, TimeProvider? time = null, BusWireFormat format = BusWireFormat.Cbor)
    {
        var sender = new BusSender($"{role}/{Guid.NewGuid().ToString("N")[..8]}", time ?? TimeProvider.System);
        return new BusChannel(new NetMqBusTransport(options), topics, sender, ownsTransport: true) { Format = format };
    }
}
