using Controller.Abstractions;
using Controller.Abstractions.Telemetry;
using Controller.Transports.Bus;
using NetMQ;
using NetMQ.Sockets;

namespace Controller.Transports.NetMq;

/// <summary>
/// An <see cref="IPolicy"/> served by a remote <see cref="PolicyServer"/> over a ZeroMQ DEALER socket.
/// Each call carries a fresh request id; replies with another id (late answers to a timed-out request) are dropped.
/// Lazy Pirate: when no reply comes within <see cref="Timeout"/>, the socket is closed and reopened (discarding
/// anything queued on it) and the request is resent, up to <see cref="Retries"/> times; then
/// <see cref="PolicyUnavailableException"/> is thrown and the loop holds position.
/// <see cref="Infer"/> blocks the calling (control) thread for at most (Retries + 1) × Timeout. Calls are serialised (lock).
/// </summary>
public sealed class RemotePolicy : IPolicy, IDisposable
{
    private readonly string _endpoint;
    private readonly BusSender _sender;
    private readonly Lock _gate = new();
    private DealerSocket? _socket;
    private long _nextId;
    private long _reconnects;
    private long _lateReplies;

    public RemotePolicy(string endpoint, TimeSpan? timeout = null, int retries = 2, string? name = null, TimeProvider? time = null)
    {
        NetMqBusOptions.Parse(endpoint);
        _endpoint = endpoint;
        Timeout = timeout ?? TimeSpan.FromSeconds(1);
        Retries = retries;
        Name = name ?? $"remote({endpoint})";
        _sender = new BusSender($"remote-policy/{Guid.NewGuid():N}"[..26], time ?? TimeProvider.System);
    }

    public string Name { get; }

    public TimeSpan Timeout { get; }

    public int Retries { get; }

    /// <summary>Wire form of requests (replies come back in the same form).</summary>
    public BusWireFormat Format { get; init; } = BusWireFormat.Cbor;

    /// <summary>Times the socket was torn down and reopened after a timeout.</summary>
    public long Reconnects => Interlocked.Read(ref _reconnects);

    /// <summary>Replies dropped because they answered an earlier, abandoned request.</summary>
    public long LateReplies => Interlocked.Read(ref _lateReplies);

    public ActionChunk Infer(Observation observation)
    {
        lock (_gate)
        {
            var id = ++_nextId;
            var payload = BusCodec.Encode(new InferRequest(_sender.Next(), id, observation), Format);
            for (var attempt = 0; attempt <= Retries; attempt++)
            {
                var socket = _socket ??= Open();
                var request = new NetMQMessage();
                request.AppendEmptyFrame();
                request.Append(payload);
                if (!socket.TrySendMultipartMessage(Timeout, request))
                {
                    Reopen();
                    continue;
                }
                var deadline = DateTime.UtcNow + Timeout;
                var reply = new NetMQMessage();
                while (true)
                {
                    var left = deadline - DateTime.UtcNow;
                    if (left <= TimeSpan.Zero || !socket.TryReceiveMultipartMessage(left, ref reply))
                        break;
                    InferReply r;
                    try
                    {
                        r = BusCodec.Decode<InferReply>(reply[reply.FrameCount - 1].ToByteArray());
                    }
                    catch (BusDecodeException e)
                    {
                        ControllerMetrics.Reject("remote-policy", e.Reason);
                        continue;
                    }
                    if (r.Id != id)
                    {
                        Interlocked.Increment(ref _lateReplies);
                        continue;
                    }
                    return r.Chunk ?? throw new PolicyUnavailableException($"policy server {_endpoint}: {r.Error}");
                }
                Reopen();
            }
            throw new PolicyUnavailableException($"policy server {_endpoint} did not answer request {id} within {Retries + 1} × {Timeout.TotalMilliseconds:0} ms");
        }
    }

    /// <summary>Local only: the remote policy keeps no per-client episode state in protocol v1.</summary>
    public void Reset()
    {
    }

    private DealerSocket Open()
    {
        var s = new DealerSocket();
        s.Options.Linger = TimeSpan.Zero;
        s.Connect(_endpoint);
        return s;
    }

    /// <summary>Raised on the calling thread after each Lazy Pirate reopen, with the reconnect count.</summary>
    public event Action<long>? Reopened;

    private void Reopen()
    {
        _socket?.Dispose();
        _socket = null;
        var n = Interlocked.Increment(ref _reconnects);
        Reopened?.Invoke(n);
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _socket?.Dispose();
            _socket = null;
        }
    }
}

/// <summary>A remote policy that did not answer in time or answered with an error. The message says which and why.</summary>
public sealed class PolicyUnavailableException(string message) : Exception(message);
