using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Hosting;
using MQTTnet.Server;

namespace Controller.Transports.Mqtt;

/// <summary>
/// MQTTnet's in-process broker, used when no external broker is configured so that `controller demo` needs nothing
/// external. Listens on <see cref="Address"/>:<see cref="Port"/> (port 0 picks a free one). Keeps retained messages
/// in memory; no persistence, no authentication (bind it to loopback). Usable as an IHostedService or directly.
/// </summary>
public sealed class EmbeddedMqttBroker(IPAddress? address = null, int port = 0) : IHostedService, IAsyncDisposable
{
    private MqttServer? _server;

    public IPAddress Address { get; } = address ?? IPAddress.Loopback;

    /// <summary>The bound port (valid after start).</summary>
    public int Port { get; private set; } = port;

    /// <summary>mqtt://address:port, for clients.</summary>
    public string Url => $"mqtt://{Address}:{Port}";

    public bool IsRunning => _server?.IsStarted == true;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (_server is not null)
            return;
        if (Port == 0)
            Port = FreePort(Address);
        var options = new MqttServerOptionsBuilder()
            .WithDefaultEndpoint()
            .WithDefaultEndpointBoundIPAddress(Address)
            .WithDefaultEndpointPort(Port)
            .WithMaxPendingMessagesPerClient(1000)
            .Build();
        _server = new MqttServerFactory().CreateMqttServer(options);
        await _server.StartAsync();
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_server is null)
            return;
        await _server.StopAsync(new MqttServerStopOptionsBuilder().Build());
        _server.Dispose();
        _server = null;
    }

    public async ValueTask DisposeAsync() => await StopAsync(CancellationToken.None);

    /// <summary>A port that was free a moment ago (bind 0, read, release).</summary>
    public static int FreePort(IPAddress? address = null)
    {
        using var l = new TcpListener(address ?? IPAddress.Loopback, 0);
        l.Start();
        var port = ((IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }
}
