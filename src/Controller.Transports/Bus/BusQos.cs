namespace Controller.Transports.Bus;

/// <summary>
/// Delivery class of a topic. Stream: at most once, latest value wins (MQTT QoS 0; ZeroMQ conflated per topic).
/// Reliable: at least once, in order (MQTT QoS 1; ZeroMQ delivers every message it received, in order).
/// </summary>
public enum BusQos
{
    Stream,
    Reliable,
}
