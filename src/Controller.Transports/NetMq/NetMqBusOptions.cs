using System.Net;
using System.Net.Sockets;

namespace Controller.Transports.NetMq;

/// <summary>
/// ZeroMQ endpoints of a bus participant, in NetMQ's syntax: "@tcp://host:port" binds, ">tcp://host:port" connects.
/// Convention for one robot at tcp://host:P: the robot side (sim serve) binds PUB on P (state, frames) and SUB on P+1
/// (commands, e-stop); the controller connects SUB to P and PUB to P+1. See docs/bus.md.
/// </summary>
public sealed class NetMqBusOptions
{
    public string Publish { get; set; } = "@tcp://127.0.0.1:5556";

    public string Subscribe { get; set; } = "@tcp://127.0.0.1:5557";

    /// <summary>
    /// PUB send high-water mark, messages per subscriber. Small on purpose: when a subscriber lags, PUB drops new
    /// messages instead of queueing stale ones (the receiver's drain-to-latest then delivers the newest it has).
    /// </summary>
    public int SendHighWatermark { get; set; } = 16;

    /// <summary>SUB receive high-water mark, messages. Bounds memory while the receive thread is busy.</summary>
    public int ReceiveHighWatermark { get; set; } = 16;

    /// <summary>
    /// A loopback port P such that P and P+1 (the pair <see cref="Server"/> binds) were both free a moment ago. Checking
    /// P alone is not enough: P+1 is often another socket's ephemeral port (a CI run failed binding it).
    /// </summary>
    public static int FreeServerPort()
    {
        for (var attempt = 0; attempt < 100; attempt++)
        {
            using var first = new TcpListener(IPAddress.Loopback, 0);
            first.Start();
            var port = ((IPEndPoint)first.LocalEndpoint).Port;
            if (port >= 65534)
                continue;
            using var second = new TcpListener(IPAddress.Loopback, port + 1);
            try
            {
                second.Start();
                return port;
            }
            catch (SocketException)
            {
                // P+1 is taken; draw another P.
            }
            finally
            {
                second.Stop();
                first.Stop();
            }
        }
        throw new InvalidOperationException("no free pair of adjacent loopback ports found in 100 attempts");
    }

    /// <summary>The side that owns the endpoints (binds), e.g. the robot server for url tcp://host:P.</summary>
    public static NetMqBusOptions Server(string url)
    {
        var (host, port) = Parse(url);
        return new NetMqBusOptions { Publish = $"@tcp://{host}:{port}", Subscribe = $"@tcp://{host}:{port + 1}" };
    }

    /// <summary>The side that connects, e.g. the controller for url tcp://host:P.</summary>
    public static NetMqBusOptions Client(string url)
    {
        var (host, port) = Parse(url);
        return new NetMqBusOptions { Publish = $">tcp://{host}:{port + 1}", Subscribe = $">tcp://{host}:{port}" };
    }

    /// <summary>Splits tcp://host:port; throws <see cref="ArgumentException"/> with a clear message otherwise.</summary>
    public static (string Host, int Port) Parse(string url)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme != "tcp" || uri.Port is <= 0 or >= 65535)
            throw new ArgumentException($"ZeroMQ url '{url}' must look like tcp://host:5556 (port P and P+1 are used)");
        return (uri.Host, uri.Port);
    }
}
