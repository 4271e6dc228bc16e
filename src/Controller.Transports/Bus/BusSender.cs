namespace Controller.Transports.Bus;

/// <summary>
/// Stamps outgoing messages: one sender id, one random session id per process run, and a sequence that
/// increases by one per message across all topics. Thread-safe (Interlocked).
/// </summary>
public sealed class BusSender(string senderId, TimeProvider time)
{
    private long _sequence;

    public string Id { get; } = senderId;

    public string Session { get; } = Guid.NewGuid().ToString("N")[..12];

    public TimeProvider Time => time;

    public BusHeader Next() => new(time.GetUtcNow(), Interlocked.Increment(ref _sequence), Id, Session);
}
