namespace Controller.Abstractions.Buffers;

/// <summary>
/// A bounded drop-oldest buffer that keeps the newest <c>capacity</c> values, each stamped with
/// the time it arrived. Writers never block; a write into a full buffer evicts the oldest value
/// and counts it in <see cref="Dropped"/> if nobody read it. Thread-safe for many writers and readers.
/// </summary>
public sealed class LatestValueBuffer<T>(int capacity = 1) where T : class
{
    private readonly Stamped[] _ring = capacity >= 1
        ? new Stamped[capacity]
        : throw new ArgumentOutOfRangeException(nameof(capacity), capacity, "capacity must be at least 1");
    private readonly Lock _gate = new();
    private int _next;
    private int _count;
    private long _dropped;
    private long _written;

    private readonly record struct Stamped(T Value, DateTimeOffset ArrivedAt, bool Consumed);

    /// <summary>Values evicted before anybody read them.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    public long Written => Interlocked.Read(ref _written);

    public void Write(T value, DateTimeOffset arrivedAt)
    {
        lock (_gate)
        {
            if (_count == _ring.Length && !_ring[_next].Consumed)
                _dropped++;
            _ring[_next] = new Stamped(value, arrivedAt, false);
            _next = (_next + 1) % _ring.Length;
            _count = Math.Min(_count + 1, _ring.Length);
            _written++;
        }
    }

    /// <summary>Returns the newest value and its age at <paramref name="now"/>, or false when empty.</summary>
    public bool TryGetLatest(DateTimeOffset now, out T value, out TimeSpan age)
    {
        lock (_gate)
        {
            if (_count == 0)
            {
                value = null!;
                age = TimeSpan.MaxValue;
                return false;
            }
            var i = (_next - 1 + _ring.Length) % _ring.Length;
            var s = _ring[i];
            _ring[i] = s with { Consumed = true };
            value = s.Value;
            age = now - s.ArrivedAt;
            return true;
        }
    }

    /// <summary>Returns the newest value only if it is younger than <paramref name="maxAge"/>.</summary>
    public bool TryGetFresh(DateTimeOffset now, TimeSpan maxAge, out T value)
        => TryGetLatest(now, out value, out var age) && age <= maxAge;
}
