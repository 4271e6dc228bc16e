namespace Controller.Transports.Rosbridge;

/// <summary>Settings of <see cref="RosbridgeClient"/>.</summary>
public sealed record RosbridgeClientOptions
{
    /// <summary>The rosbridge endpoint, e.g. ws://127.0.0.1:9090.</summary>
    public required Uri Uri { get; init; }

    /// <summary>How type names and stamps are spelled on the wire (ROS 1: sensor_msgs/Image; ROS 2: sensor_msgs/msg/Image).</summary>
    public RosDialect Dialect { get; init; } = RosDialect.Ros2;

    /// <summary>How long <see cref="RosbridgeClient.ConnectAsync"/> keeps trying before it gives up.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>First reconnect delay; it doubles (with jitter) up to <see cref="ReconnectMaxDelay"/>.</summary>
    public TimeSpan ReconnectDelay { get; init; } = TimeSpan.FromMilliseconds(100);

    public TimeSpan ReconnectMaxDelay { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Service calls without an explicit timeout fail after this long.</summary>
    public TimeSpan DefaultCallTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>A subscription that has received nothing this long after (re)subscribing logs a warning once.</summary>
    public TimeSpan SilenceWarningAfter { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Ops whose JSON is longer than this many characters are sent as fragment ops (0 = never), for bridges with small frame limits.</summary>
    public int SendFragmentSize { get; init; }

    /// <summary>Largest incoming WebSocket message accepted; bigger ones are discarded and counted.</summary>
    public int MaxMessageBytes { get; init; } = 64 * 1024 * 1024;

    /// <summary>Status level asked of the server with set_level after each connect (none, error, warning, info).</summary>
    public string StatusLevel { get; init; } = "error";

    /// <summary>When set, called on each (re)connect to make a fresh ROS 1 rosauth <c>auth</c> op, sent before anything else.</summary>
    public Func<RosAuthRequest>? Authenticate { get; init; }
}

/// <summary>Per-subscription settings. Null <see cref="Compression"/> picks one for the type (see <see cref="RosEncodingPolicy"/>).</summary>
public sealed record SubscribeOptions
{
    public RosCompression? Compression { get; init; }

    /// <summary>Server-side minimum time between messages (ms); 0 sends every message.</summary>
    public int ThrottleRateMs { get; init; }

    /// <summary>Server-side queue_length; 0 leaves the server's default.</summary>
    public int QueueLength { get; init; }

    /// <summary>Ask the server to fragment messages longer than this many characters; 0 = never.</summary>
    public int FragmentSize { get; init; }

    /// <summary>Messages buffered locally for a slow handler; the oldest is dropped beyond (counted in <see cref="RosSubscription.Dropped"/>).</summary>
    public int LocalQueue { get; init; } = 8;
}

/// <summary>Where the client's connection stands.</summary>
public enum RosbridgeConnectionState
{
    Disconnected,
    Connecting,
    Connected,
    Reconnecting,
    Closed,
}
