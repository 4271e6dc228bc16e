namespace Controller.Transports.Mqtt;

/// <summary>
/// What the client announces: <see cref="BirthTopic"/>/<see cref="Birth"/> is published (retained, QoS 1) after every
/// connect, and <see cref="DeathTopic"/>/<see cref="Death"/> is registered as the Last Will (retained, QoS 1), which the
/// broker publishes when the client dies without a clean disconnect. The payload factories run per connect so stamps are fresh.
/// </summary>
public sealed record MqttLastWill(string BirthTopic, Func<byte[]> Birth, string DeathTopic, Func<byte[]> Death);
