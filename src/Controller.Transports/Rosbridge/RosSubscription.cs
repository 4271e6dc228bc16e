using System.Threading.Channels;

namespace Controller.Transports.Rosbridge;

/// <summary>
/// One client-side subscription. Incoming messages go into a bounded drop-oldest queue and are
/// handed to the handler on this subscription's own task, one at a time, in arrival order; a slow
/// handler only loses its own oldest messages. Counters are thread-safe. Dispose to unsubscribe.
/// </summary>
public sealed class RosSubscription : IAsyncDisposable
{
    private readonly RosbridgeClient _client;
    private readonly Action<RosMap> _handler;
    private readonly DropOldestQueue<RosMap> _queue;
    private readonly Channel<bool> _doorbell = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _dispatcher;
    private long _received;
    private long _rejected;
    private long _subscribedAtTicks;
    private int _warnedSilent;

    internal RosSubscription(RosbridgeClient client, string id, string topic, string type, RosCompression compression, SubscribeOptions options, Action<RosMap> handler)
    {
        _client = client;
        Id = id;
        Topic = topic;
        Type = type;
        Compression = compression;
        Options = options;
        _handler = handler;
        _queue = new DropOldestQueue<RosMap>(Math.Max(1, options.LocalQueue));
        _dispatcher = Task.Run(DispatchLoopAsync);
    }

    public string Id { get; }

    public string Topic { get; }

    /// <summary>The message type as sent on the wire (in the client's dialect).</summary>
    public string Type { get; }

    public RosCompression Compression { get; }

    public SubscribeOptions Options { get; }

    /// <summary>Messages handed to the handler.</summary>
    public long Received => Interlocked.Read(ref _received);

    /// <summary>Messages dropped because the handler fell behind by more than LocalQueue.</summary>
    public long Dropped => _queue.Dropped;

    /// <summary>Messages that did not convert to the typed message (counted as rejects).</summary>
    public long Rejected => Interlocked.Read(ref _rejected);

    /// <summary>True once the silence warning fired for this subscription (nothing received in time).</summary>
    public bool WarnedSilent => Volatile.Read(ref _warnedSilent) != 0;

    internal void MarkSubscribed(DateTimeOffset now)
    {
        Interlocked.Exchange(ref _subscribedAtTicks, now.UtcTicks);
        Interlocked.Exchange(ref _warnedSilent, 0);
        Interlocked.Exchange(ref _received, 0);
    }

    /// <summary>True (once per subscribe) when nothing arrived within <paramref name="after"/>.</summary>
    internal bool CheckSilent(DateTimeOffset now, TimeSpan after)
    {
        var since = Interlocked.Read(ref _subscribedAtTicks);
        return since != 0 && Received == 0 && _queue.Count == 0 && now.UtcTicks - since > after.Ticks && Interlocked.Exchange(ref _warnedSilent, 1) == 0;
    }

    internal void Post(RosMap msg)
    {
        _queue.Enqueue(msg);
        _doorbell.Writer.TryWrite(true);
    }

    private async Task DispatchLoopAsync()
    {
        try
        {
            while (await _doorbell.Reader.WaitToReadAsync(_stop.Token).ConfigureAwait(false))
            {
                _doorbell.Reader.TryRead(out _);
                while (_queue.TryDequeue(out var msg))
                {
                    try
                    {
                        _handler(msg);
                        Interlocked.Increment(ref _received);
                    }
                    catch (Exception e) when (e is RosbridgeProtocolException or ArgumentException or FormatException or InvalidOperationException or NotSupportedException or InvalidCastException)
                    {
                        Interlocked.Increment(ref _rejected);
                        _client.OnHandlerRejected(this, e);
                    }
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_stop.IsCancellationRequested)
            return;
        await _client.UnsubscribeAsync(this).ConfigureAwait(false);
        await _stop.CancelAsync().ConfigureAwait(false);
        await _dispatcher.ConfigureAwait(false);
        _stop.Dispose();
    }
}
