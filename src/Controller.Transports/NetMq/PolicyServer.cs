using Controller.Abstractions;
using Controller.Abstractions.Telemetry;
using Controller.Transports.Bus;
using NetMQ;
using NetMQ.Sockets;

namespace Controller.Transports.NetMq;

/// <summary>
/// Serves any <see cref="IPolicy"/> to many robots over a ZeroMQ ROUTER socket: one model process, N clients.
/// Requests are <see cref="InferRequest"/> payloads (CBOR or JSON) in a REQ-compatible envelope
/// [identity, empty, payload] (a bare DEALER envelope [identity, payload] works too); the reply echoes the envelope
/// and the request id. Bad requests get an error reply and a counted reject. Inference runs on the server's single
/// receive thread, one request at a time, because a policy is not thread-safe; requests queued meanwhile are
/// served in arrival order. The reply's wire form follows the request's.
/// </summary>
public sealed class PolicyServer : IDisposable
{
    private readonly IPolicy _policy;
    private readonly RouterSocket _router;
    private readonly NetMQPoller _poller;
    private readonly BusSender _sender;
    private long _served;
    private long _rejected;
    private bool _disposed;

    /// <param name="policy">The policy to serve; only the server thread calls it.</param>
    /// <param name="address">tcp://host:port to bind; port 0 picks a free port (see <see cref="Endpoint"/>).</param>
    public PolicyServer(IPolicy policy, string address = "tcp://127.0.0.1:0", TimeProvider? time = null)
    {
        _policy = policy;
        _sender = new BusSender($"policy-server/{policy.Name}", time ?? TimeProvider.System);
        _router = new RouterSocket();
        _router.Options.Linger = TimeSpan.Zero;
        _router.Options.ReceiveHighWatermark = 1000;
        _router.Options.SendHighWatermark = 1000;
        if (!Uri.TryCreate(address, UriKind.Absolute, out var uri) || uri.Scheme != "tcp" || uri.Port is < 0 or > 65535)
            throw new ArgumentException($"policy server address '{address}' must look like tcp://127.0.0.1:5560 (port 0: any free port)", nameof(address));
        var host = uri.Host;
        var port = uri.Port;
        if (port == 0)
            port = _router.BindRandomPort($"tcp://{host}");
        else
            _router.Bind($"tcp://{host}:{port}");
        Endpoint = $"tcp://{host}:{port}";
        _router.ReceiveReady += OnReceiveReady;
        _poller = [_router];
        _poller.RunAsync("policy-server", isBackgroundThread: true);
    }

    /// <summary>The bound endpoint, tcp://host:port, for clients.</summary>
    public string Endpoint { get; }

    public long Served => Interlocked.Read(ref _served);

    public long Rejected => Interlocked.Read(ref _rejected);

    private void OnReceiveReady(object? sender, NetMQSocketEventArgs e)
    {
        var msg = new NetMQMessage();
        while (e.Socket.TryReceiveMultipartMessage(TimeSpan.Zero, ref msg))
            Handle(msg);
    }

    private void Handle(NetMQMessage msg)
    {
        // [id, empty, payload] from REQ or our DEALER; [id, payload] from a bare DEALER.
        int envelope;
        if (msg.FrameCount == 3 && msg[1].IsEmpty)
            envelope = 2;
        else if (msg.FrameCount == 2)
            envelope = 1;
        else
        {
            Reject("bad_envelope");
            return;
        }
        var payload = msg[envelope].ToByteArray();
        var format = payload.Length > 0 && payload[0] == (byte)'{' ? BusWireFormat.Json : BusWireFormat.Cbor;
        InferReply reply;
        try
        {
            var request = BusCodec.Decode<InferRequest>(payload);
            try
            {
                var chunk = _policy.Infer(request.Observation);
                reply = new InferReply(_sender.Next(), request.Id, chunk, null);
                Interlocked.Increment(ref _served);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                reply = new InferReply(_sender.Next(), request.Id, null, $"policy failed: {ex.GetType().Name}: {ex.Message}");
                Reject("policy_failed");
            }
        }
        catch (BusDecodeException ex)
        {
            Reject(ex.Reason);
            reply = new InferReply(_sender.Next(), 0, null, $"bad request ({ex.Reason}): {ex.Message}");
        }
        var response = new NetMQMessage();
        for (var i = 0; i < envelope; i++)
            response.Append(msg[i]);
        response.Append(BusCodec.Encode(reply, format));
        _router.TrySendMultipartMessage(TimeSpan.Zero, response);
    }

    private void Reject(string reason)
    {
        Interlocked.Increment(ref _rejected);
        ControllerMetrics.Reject("policy-server", reason);
    }

    public void Dispose()
    {
        if (_disposed)
            return;
        _disposed = true;
        _poller.Stop();
        _poller.Dispose();
        _router.Dispose();
    }
}
