namespace Controller.Transports.Mqtt;

/// <summary>How to reach an MQTT broker. Bound from configuration section "Bus:Mqtt" or the CLI's --mqtt URL.</summary>
public sealed class MqttBusOptions
{
    /// <summary>Broker URL: mqtt://host:port (plain) or mqtts://host:port (TLS). Empty: use the embedded broker.</summary>
    public string Url { get; set; } = "";

    /// <summary>MQTT client id; empty picks "wm-&lt;random&gt;". Must be unique per broker.</summary>
    public string ClientId { get; set; } = "";

    public string? Username { get; set; }

    public string? Password { get; set; }

    /// <summary>Use TLS even for an mqtt:// URL (mqtts:// always does).</summary>
    public bool Tls { get; set; }

    /// <summary>Accept self-signed/untrusted broker certificates (lab use only).</summary>
    public bool AllowUntrustedCertificates { get; set; }

    /// <summary>MQTT keep-alive; the broker publishes the Last Will about 1.5× this after a silent death.</summary>
    public TimeSpan KeepAlive { get; set; } = TimeSpan.FromSeconds(5);

    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>First reconnect delay; doubles (with jitter) up to <see cref="ReconnectMaxDelay"/>.</summary>
    public TimeSpan ReconnectMinDelay { get; set; } = TimeSpan.FromMilliseconds(100);

    public TimeSpan ReconnectMaxDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Parses <see cref="Url"/>; throws <see cref="ArgumentException"/> with a clear message when it is not mqtt:// or mqtts://.</summary>
    public (string Host, int Port, bool Tls) Endpoint()
    {
        if (!Uri.TryCreate(Url, UriKind.Absolute, out var uri) || (uri.Scheme != "mqtt" && uri.Scheme != "mqtts" && uri.Scheme != "tcp"))
            throw new ArgumentException($"MQTT url '{Url}' must look like mqtt://host:1883 or mqtts://host:8883");
        var tls = Tls || uri.Scheme == "mqtts";
        var port = uri.IsDefaultPort || uri.Port <= 0 ? (tls ? 8883 : 1883) : uri.Port;
        return (uri.Host, port, tls);
    }
}
