namespace Controller.Transports.Rosbridge;

/// <summary>Settings of <see cref="RosbridgeServer"/>. Defaults suit a local sim on loopback.</summary>
public sealed record RosbridgeServerOptions
{
    /// <summary>Address to bind; loopback by default so nothing is exposed by accident.</summary>
    public string Host { get; init; } = "127.0.0.1";

    /// <summary>TCP port; 0 picks a free one (see <see cref="RosbridgeServer.Port"/>). rosbridge's usual port is 9090.</summary>
    public int Port { get; init; }

    /// <summary>How the server spells type names and stamps in what it publishes.</summary>
    public RosDialect Dialect { get; init; } = RosDialect.Ros2;

    /// <summary>Frames queued per subscription for a slow client when it gave no queue_length; the oldest is dropped beyond.</summary>
    public int DefaultQueueLength { get; init; } = 16;

    /// <summary>Control replies (service responses, statuses, action results) queued per client before the oldest is dropped.</summary>
    public int ControlQueueLength { get; init; } = 4096;

    /// <summary>Largest incoming WebSocket message; bigger ones are discarded with a status error.</summary>
    public int MaxMessageBytes { get; init; } = 64 * 1024 * 1024;

    /// <summary>Service calls that give no timeout wait this long for a client-hosted service.</summary>
    public TimeSpan DefaultServiceTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>When set, clients must send a valid rosauth <c>auth</c> op first (ROS 1 style); other ops are refused until then.</summary>
    public string? AuthSecret { get; init; }
}
