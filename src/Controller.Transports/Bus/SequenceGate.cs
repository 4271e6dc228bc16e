namespace Controller.Transports.Bus;

/// <summary>
/// Drops stale and out-of-order messages, per (stream, sender). A message is accepted only when
/// <list type="bullet">
/// <item>its stamp is no older than <c>maxAge</c> and no further ahead than <c>maxSkew</c> at arrival, and</item>
/// <item>its sequence is above the last accepted one of the same sender and session, or it opens a newer session
/// (a restarted sender: new session id and a stamp after the last accepted one).</item>
/// </list>
/// Thread-safe; O(1) per check; remembers one entry per (stream, sender).
/// </summary>
public sealed class SequenceGate(TimeProvider time, TimeSpan maxAge, TimeSpan? maxSkew = null)
{
    private readonly TimeSpan _maxSkew = maxSkew ?? TimeSpan.FromMilliseconds(500);
    private readonly Dictionary<(string Stream, string Sender), Last> _last = [];
    private readonly Lock _gate = new();

    private readonly record struct Last(string Session, long Sequence, DateTimeOffset Stamp);

    public TimeSpan MaxAge => maxAge;

    /// <summary>Checks and, when accepted, records the message. <paramref name="ignoreAge"/> skips the age test (fail-safe e-stop engage).</summary>
    public GateVerdict Check(string stream, BusHeader header, bool ignoreAge = false)
    {
        var now = time.GetUtcNow();
        if (!ignoreAge && now - header.Stamp > maxAge)
            return GateVerdict.Stale;
        if (header.Stamp - now > _maxSkew)
            return GateVerdict.Future;
        var key = (stream, header.Sender);
        lock (_gate)
        {
            if (_last.TryGetValue(key, out var last))
            {
                if (last.Session == header.Session)
                {
                    if (header.Sequence <= last.Sequence)
                        return GateVerdict.OutOfOrder;
                }
                else if (header.Stamp <= last.Stamp)
                {
                    return GateVerdict.OldSession;
                }
            }
            _last[key] = new Last(header.Session, header.Sequence, header.Stamp);
            return GateVerdict.Accept;
        }
    }
}
