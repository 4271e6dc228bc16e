namespace Controller.Transports.Bus;

/// <summary>
/// Moves opaque payloads on topics of the <see cref="BusTopics"/> scheme. Implemented over MQTT and ZeroMQ.
/// Handlers run on the transport's receive thread, must not block, and receive a payload they may keep.
/// Thread-safe: publish and subscribe from any thread.
/// </summary>
public interface IBusTransport : IAsyncDisposable
{
    /// <summary>Short name used as the metric source ("mqtt", "zmq").</summary>
    string Name { get; }

    bool IsConnected { get; }

    /// <summary>Publishes one payload. Returns false (and does not throw) when it could not be handed to the wire, e.g. while disconnected.</summary>
    ValueTask<bool> PublishAsync(string topic, ReadOnlyMemory<byte> payload, BusQos qos, bool retain = false, CancellationToken cancellationToken = default);

    /// <summary>Registers a handler for an MQTT-style filter ('+', '#'). Kept across reconnects. Dispose to remove.</summary>
    IDisposable Subscribe(string filter, BusQos qos, Action<string, ReadOnlyMemory<byte>> handler);
}
