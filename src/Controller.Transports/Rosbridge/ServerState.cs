namespace Controller.Transports.Rosbridge;

/// <summary>One topic on the server: its type, the client subscriptions and the in-process handlers. Thread-safe (copy-on-write lists).</summary>
internal sealed class TopicState(string name, string type)
{
    private readonly Lock _gate = new();

    public string Name { get; } = name;

    public string Type { get; set; } = type;

    public ServerSubscription[] Subscribers { get; private set; } = [];

    public Action<RosMap, long?>[] Handlers { get; private set; } = [];

    public void AddSubscriber(ServerSubscription s)
    {
        lock (_gate)
            Subscribers = [.. Subscribers.Where(x => !(x.Session == s.Session && x.Id == s.Id)), s];
    }

    /// <summary>Removes the session's subscription <paramref name="id"/>, or all of the session's when id is null.</summary>
    public void RemoveSubscriber(ServerSession session, string? id)
    {
        lock (_gate)
            Subscribers = [.. Subscribers.Where(x => !(x.Session == session && (id is null || x.Id == id)))];
    }

    public void RemoveSession(ServerSession session) => RemoveSubscriber(session, null);

    public void AddHandler(Action<RosMap, long?> h)
    {
        lock (_gate)
            Handlers = [.. Handlers, h];
    }

    public void RemoveHandler(Action<RosMap, long?> h)
    {
        lock (_gate)
            Handlers = [.. Handlers.Where(x => x != h)];
    }
}

/// <summary>
/// One client subscription: what it asked for (compression, throttle, queue, fragments) and its
/// bounded drop-oldest queue of encoded frames waiting for the client's send loop.
/// </summary>
internal sealed class ServerSubscription(ServerSession session, string topic, string id, RosCompression compression, int throttleMs, int queueLength, int fragmentSize)
{
    private long _lastSentTicks = long.MinValue;

    public ServerSession Session { get; } = session;

    public string Topic { get; } = topic;

    public string Id { get; } = id;

    public RosCompression Compression { get; } = compression;

    public int FragmentSize { get; } = fragmentSize;

    public DropOldestQueue<WireFrame[]> Queue { get; } = new(Math.Max(1, queueLength));

    /// <summary>Applies throttle_rate: true when at least throttleMs passed since the last admitted message.</summary>
    public bool Admit(DateTimeOffset now)
    {
        if (throttleMs <= 0)
            return true;
        var last = Interlocked.Read(ref _lastSentTicks);
        if (last != long.MinValue && now.UtcTicks - last < throttleMs * TimeSpan.TicksPerMillisecond)
            return false;
        Interlocked.Exchange(ref _lastSentTicks, now.UtcTicks);
        return true;
    }
}

/// <summary>A service the server can answer: in-process (<see cref="Handler"/>) or hosted by a client (<see cref="Owner"/>).</summary>
internal sealed record ServiceHost(string Name, string Type, Func<RosMap, CancellationToken, Task<RosMap>>? Handler, ServerSession? Owner);

/// <summary>An action hosted in-process.</summary>
internal sealed record ActionHost(string Name, string Type, Func<RosMap, RosActionGoalContext, Task<RosActionOutcome>> Handler);
