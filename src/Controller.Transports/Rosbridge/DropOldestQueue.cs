namespace Controller.Transports.Rosbridge;

/// <summary>
/// A bounded FIFO that never blocks a writer: when full, the oldest item is dropped and counted.
/// Used per subscription on both sides (server: frames waiting for a slow client; client: messages
/// waiting for a slow handler). Thread-safe for any number of writers and readers.
/// </summary>
public sealed class DropOldestQueue<T>(int capacity)
{
    private readonly Queue<T> _items = new();
    private readonly Lock _gate = new();
    private readonly int _capacity = capacity >= 1 ? capacity : throw new ArgumentOutOfRangeException(nameof(capacity), capacity, "capacity must be at least 1");
    private long _dropped;

    public int Capacity => _capacity;

    /// <summary>Items evicted because the queue was full.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    public int Count
    {
        get
        {
            lock (_gate)
                return _items.Count;
        }
    }

    /// <summary>Adds an item; returns false when an older item had to be dropped to make room.</summary>
    public bool Enqueue(T item)
    {
        lock (_gate)
        {
            var dropped = false;
            if (_items.Count == _capacity)
            {
                _items.Dequeue();
                _dropped++;
                dropped = true;
            }
            _items.Enqueue(item);
            return !dropped;
        }
    }

    public bool TryDequeue(out T item)
    {
        lock (_gate)
            return _items.TryDequeue(out item!);
    }

    public void Clear()
    {
        lock (_gate)
            _items.Clear();
    }
}
