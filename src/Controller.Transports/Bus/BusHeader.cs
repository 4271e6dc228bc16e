namespace Controller.Transports.Bus;

/// <summary>
/// The envelope every bus message carries. <see cref="Stamp"/> is the sender's wall clock when it published
/// (µs resolution on the wire); <see cref="Sequence"/> increases by at least one per message from one
/// <see cref="Sender"/> within one <see cref="Session"/>. A sender that restarts picks a new session id.
/// </summary>
public sealed record BusHeader(DateTimeOffset Stamp, long Sequence, string Sender, string Session);
