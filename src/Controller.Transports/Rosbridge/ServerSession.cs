using System.Collections.Concurrent;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Threading.Channels;
using Controller.Abstractions.Telemetry;
using Microsoft.Extensions.Logging;

namespace Controller.Transports.Rosbridge;

/// <summary>
/// One WebSocket client of <see cref="RosbridgeServer"/>: a receive loop that decodes and dispatches
/// ops, and a send loop that drains a control queue first and then each subscription's queue in
/// turn. Enqueue methods are thread-safe and never block; everything else runs on the receive loop.
/// </summary>
internal sealed partial class ServerSession(RosbridgeServer server, long id, TcpClient tcp) : IDisposable
{
    private readonly RosbridgeDecoder _decoder = new(server.Time);
    private readonly DropOldestQueue<WireFrame[]> _control = new(server.Options.ControlQueueLength);
    private readonly Channel<bool> _doorbell = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly ConcurrentDictionary<string, CancellationTokenSource> _goals = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Forwarded> _forwarded = new(StringComparer.Ordinal);
    private readonly HashSet<string> _advertised = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _cts = new();
    private ServerSubscription[] _subs = [];
    private WebSocket? _ws;
    private volatile int _level; // index into RosbridgeOps.Levels; -1 = none
    private bool _authed;
    private long _nextForward;

    private sealed record Forwarded(ServerSession Caller, string? CallerId, string Service);

    public long Id { get; } = id;

    public string Remote { get; } = tcp.Client.RemoteEndPoint?.ToString() ?? "?";

    private ILogger Log => server.Log;

    public async Task RunAsync(CancellationToken serverStop)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(serverStop, _cts.Token);
        var ct = linked.Token;
        try
        {
            var stream = tcp.GetStream();
            if (!await WebSocketHandshake.AcceptAsync(stream, ct).ConfigureAwait(false))
                return;
            _ws = WebSocket.CreateFromStream(stream, new WebSocketCreationOptions { IsServer = true, KeepAliveInterval = TimeSpan.FromSeconds(20) });
            LogClientJoined(Log, Id, Remote);
            var sender = Task.Run(() => SendLoopAsync(ct), ct);
            await ReceiveLoopAsync(ct).ConfigureAwait(false);
            await _cts.CancelAsync().ConfigureAwait(false);
            try
            {
                await sender.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException or IOException or SocketException or ObjectDisposedException)
        {
            LogClientDropped(Log, Id, e.Message);
        }
        catch (Exception e)
        {
            // never let one client take the server down; log loudly because this is our bug
            LogInternalError(Log, Id, e.ToString());
        }
        finally
        {
            foreach (var g in _goals.Values)
                g.Cancel();
            foreach (var f in _forwarded.Values)
                f.Caller.Reply(ServiceResponse(f.Service, f.CallerId, false, $"service {f.Service}: the client hosting it disconnected"));
            _forwarded.Clear();
        }
    }

    private async Task ReceiveLoopAsync(CancellationToken ct)
    {
        var ws = _ws!;
        var chunk = new byte[64 * 1024];
        using var message = new MemoryStream();
        var max = server.Options.MaxMessageBytes;
        while (ws.State == WebSocketState.Open && !ct.IsCancellationRequested)
        {
            message.SetLength(0);
            var tooLarge = false;
            ValueWebSocketReceiveResult r;
            do
            {
                r = await ws.ReceiveAsync(chunk.AsMemory(), ct).ConfigureAwait(false);
                if (r.MessageType == WebSocketMessageType.Close)
                {
                    if (ws.State == WebSocketState.CloseReceived)
                        await ws.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "bye", ct).ConfigureAwait(false);
                    return;
                }
                if (tooLarge)
                    continue;
                if (message.Length + r.Count > max)
                {
                    tooLarge = true;
                    message.SetLength(0);
                    continue;
                }
                message.Write(chunk, 0, r.Count);
            }
            while (!r.EndOfMessage);

            if (tooLarge)
            {
                Reject("too_large", $"message larger than {max} bytes discarded", null);
                continue;
            }
            RosMap? m = null;
            try
            {
                m = _decoder.Decode(message.GetBuffer().AsMemory(0, (int)message.Length), r.MessageType == WebSocketMessageType.Binary);
                if (m is not null)
                    Dispatch(m);
            }
            catch (RosbridgeProtocolException e)
            {
                Reject(e.Reason, e.Message, SafeId(m));
            }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException or FormatException or OverflowException or NotSupportedException)
            {
                Reject("bad_message", e.Message, SafeId(m));
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // a bug of ours, not of the peer: still never let one frame take the connection down
                LogInternalError(Log, Id, e.ToString());
                Reject("internal_error", $"internal error while handling the frame: {e.GetType().Name}", SafeId(m));
            }
        }
    }

    private static string? SafeId(RosMap? m)
    {
        try
        {
            return m?.GetId();
        }
        catch (RosbridgeProtocolException)
        {
            return null;
        }
    }

    private async Task SendLoopAsync(CancellationToken ct)
    {
        var ws = _ws!;
        while (await _doorbell.Reader.WaitToReadAsync(ct).ConfigureAwait(false))
        {
            _doorbell.Reader.TryRead(out _);
            bool any;
            do
            {
                any = false;
                while (_control.TryDequeue(out var frames))
                {
                    await SendAsync(ws, frames, ct).ConfigureAwait(false);
                    any = true;
                }
                foreach (var s in _subs)
                {
                    if (s.Queue.TryDequeue(out var frames))
                    {
                        await SendAsync(ws, frames, ct).ConfigureAwait(false);
                        any = true;
                    }
                }
            }
            while (any);
        }
    }

    private static async Task SendAsync(WebSocket ws, WireFrame[] frames, CancellationToken ct)
    {
        foreach (var f in frames)
            await ws.SendAsync(f.Data, f.Binary ? WebSocketMessageType.Binary : WebSocketMessageType.Text, true, ct).ConfigureAwait(false);
    }

    public void EnqueueTopic(ServerSubscription sub, WireFrame[] frames)
    {
        if (!sub.Queue.Enqueue(frames))
            ControllerMetrics.FramesDropped.Add(1, new KeyValuePair<string, object?>("source", RosbridgeServer.MetricSource));
        _doorbell.Writer.TryWrite(true);
    }

    public void Reply(RosMap message)
    {
        _control.Enqueue(RosbridgeCodec.Encode(message));
        _doorbell.Writer.TryWrite(true);
    }

    public void SendStatus(string level, string text, string? id)
    {
        var severity = RosbridgeOps.LevelIndex(level);
        if (severity >= 0 && severity <= _level)
            Reply(RosbridgeOps.StatusMessage(level, text, id));
    }

    private void Reject(string reason, string text, string? id)
    {
        ControllerMetrics.Reject(RosbridgeServer.MetricSource, reason);
        LogRejected(Log, Id, reason, text);
        SendStatus("error", text, id);
    }

    // ---------------------------------------------------------------- dispatch (receive loop only)

    private void Dispatch(RosMap m)
    {
        var op = (string)m["op"]!;
        var id = m.GetId();
        if (op == RosbridgeOps.Auth)
        {
            Authenticate(m, id);
            return;
        }
        if (server.Options.AuthSecret is not null && !_authed)
        {
            Reject("not_authenticated", $"{op} refused: send a valid auth op first", id);
            return;
        }
        switch (op)
        {
            case RosbridgeOps.SetLevel:
                var level = m.GetString("level");
                _level = level == "none" ? -1 : RosbridgeOps.LevelIndex(level);
                break;
            case RosbridgeOps.Advertise:
                Advertise(m.GetString("topic"), m.GetString("type"), id);
                break;
            case RosbridgeOps.Unadvertise:
                if (!_advertised.Remove(m.GetString("topic")))
                    SendStatus("warning", $"unadvertise: this client does not advertise {m.GetString("topic")}", id);
                break;
            case RosbridgeOps.Publish:
                var topic = m.GetString("topic");
                if (!server.TryGetTopic(topic, out _))
                {
                    Reject("unknown_topic", $"publish: topic {topic} is not advertised", id);
                    return;
                }
                server.Route(topic, m.GetMap("msg"), this);
                break;
            case RosbridgeOps.Subscribe:
                Subscribe(m, id);
                break;
            case RosbridgeOps.Unsubscribe:
                var t = m.GetString("topic");
                if (server.TryGetTopic(t, out var ts))
                    ts.RemoveSubscriber(this, id);
                _subs = [.. _subs.Where(s => !(s.Topic == t && (id is null || s.Id == id)))];
                break;
            case RosbridgeOps.AdvertiseService:
                var name = m.GetString("service");
                if (!server.TryAddClientService(name, new ServiceHost(name, m.GetString("type"), null, this)))
                    Reject("duplicate_service", $"advertise_service: {name} is already advertised", id);
                break;
            case RosbridgeOps.UnadvertiseService:
                server.RemoveClientService(m.GetString("service"), this);
                break;
            case RosbridgeOps.CallService:
                CallService(m, id);
                break;
            case RosbridgeOps.ServiceResponse:
                if (id is not null && _forwarded.TryRemove(id, out var fwd))
                {
                    m["id"] = fwd.CallerId;
                    if (fwd.CallerId is null)
                        m.Remove("id");
                    fwd.Caller.Reply(m);
                }
                else
                {
                    SendStatus("warning", $"service_response with unknown id '{id}' ignored", id);
                }
                break;
            case RosbridgeOps.SendActionGoal:
                SendActionGoal(m, id);
                break;
            case RosbridgeOps.CancelActionGoal:
                if (_goals.TryGetValue(id!, out var goal))
                    goal.Cancel();
                else
                    SendStatus("warning", $"cancel_action_goal: no goal '{id}' in progress", id);
                break;
            case RosbridgeOps.AdvertiseAction or RosbridgeOps.UnadvertiseAction or RosbridgeOps.ActionFeedback or RosbridgeOps.ActionResult:
                Reject("unsupported_op", $"{op}: client-hosted actions are not supported by this server", id);
                break;
            case RosbridgeOps.Status:
                break;
        }
    }

    private void Authenticate(RosMap m, string? id)
    {
        var secret = server.Options.AuthSecret;
        if (secret is null)
        {
            SendStatus("info", "auth: this server does not require authentication", id);
            _authed = true;
            return;
        }
        if (RosAuthRequest.FromRos(m).IsValid(secret, server.Time.GetUtcNow()))
        {
            _authed = true;
            return;
        }
        Reject("auth_failed", "auth: MAC or time window is invalid", id);
        _ws?.Abort();
    }

    private void Advertise(string topic, string type, string? id)
    {
        var state = server.GetOrAddTopic(topic, type);
        if (!RosTypeName.SameType(state.Type, type))
        {
            Reject("type_mismatch", $"advertise: topic {topic} has type {state.Type}, not {type}", id);
            return;
        }
        _advertised.Add(topic);
        server.RaiseClientAdvertised(topic, type);
    }

    private void Subscribe(RosMap m, string? id)
    {
        var topic = m.GetString("topic");
        var type = m.GetStringOrNull("type");
        TopicState state;
        if (server.TryGetTopic(topic, out var existing))
        {
            if (type is not null && existing.Type.Length > 0 && !RosTypeName.SameType(existing.Type, type))
            {
                Reject("type_mismatch", $"subscribe: topic {topic} has type {existing.Type}, not {type}", id);
                return;
            }
            state = existing;
        }
        else if (type is not null)
        {
            state = server.GetOrAddTopic(topic, type);
        }
        else
        {
            Reject("unknown_topic", $"subscribe: topic {topic} does not exist and no type was given", id);
            return;
        }
        var queue = (int)m.GetLong("queue_length", 0);
        var sub = new ServerSubscription(this, topic, id ?? $"subscribe:{topic}", RosCompressionNames.Parse(m.GetStringOrNull("compression")),
            (int)Math.Min(m.GetLong("throttle_rate", 0), int.MaxValue), queue > 0 ? Math.Min(queue, 1024) : server.Options.DefaultQueueLength,
            (int)Math.Min(m.GetLong("fragment_size", 0), int.MaxValue));
        _subs = [.. _subs.Where(s => !(s.Topic == topic && s.Id == sub.Id)), sub];
        state.AddSubscriber(sub);
        server.RaiseClientSubscribed(topic, sub.Compression);
    }

    private static RosMap ServiceResponse(string service, string? id, bool ok, object? values)
    {
        var r = new RosMap { ["op"] = RosbridgeOps.ServiceResponse, ["service"] = service, ["result"] = ok, ["values"] = values };
        if (id is not null)
            r["id"] = id;
        return r;
    }

    private static RosMap Args(RosMap m) => m.TryGetValue("args", out var a) ? a switch
    {
        RosMap map => map,
        object?[] { Length: 0 } or null => [],
        _ => throw new RosbridgeProtocolException("bad_field", "positional (list) args are not supported; send an object"),
    } : [];

    private void CallService(RosMap m, string? id)
    {
        var service = m.GetString("service");
        var args = Args(m);
        if (!server.TryGetService(service, out var host))
        {
            ControllerMetrics.Reject(RosbridgeServer.MetricSource, "unknown_service");
            Reply(ServiceResponse(service, id, false, $"service {service} does not exist"));
            return;
        }
        var timeoutSeconds = m.GetDouble("timeout", 0);
        var timeout = timeoutSeconds > 0 ? TimeSpan.FromSeconds(Math.Min(timeoutSeconds, 3600)) : server.Options.DefaultServiceTimeout;
        if (host.Owner is { } owner)
        {
            var fwdId = $"fwd:{Id}:{Interlocked.Increment(ref _nextForward)}";
            owner._forwarded[fwdId] = new Forwarded(this, id, service);
            owner.Reply(new RosMap { ["op"] = RosbridgeOps.CallService, ["id"] = fwdId, ["service"] = service, ["args"] = args });
            _ = Task.Delay(timeout, server.Time, _cts.Token).ContinueWith(_ =>
            {
                if (owner._forwarded.TryRemove(fwdId, out var f))
                    f.Caller.Reply(ServiceResponse(service, f.CallerId, false, $"service {service} did not answer within {timeout.TotalSeconds:0.###} s"));
            }, TaskScheduler.Default);
            return;
        }
        _ = Task.Run(async () =>
        {
            using var cts = CancellationTokenSource.CreateLinkedTokenSource(_cts.Token);
            cts.CancelAfter(timeout);
            try
            {
                var values = await host.Handler!(args, cts.Token).ConfigureAwait(false);
                Reply(ServiceResponse(service, id, true, values));
            }
            catch (Exception e)
            {
                LogServiceFailed(Log, service, e.Message);
                Reply(ServiceResponse(service, id, false, e is OperationCanceledException ? $"service {service} timed out after {timeout.TotalSeconds:0.###} s" : e.Message));
            }
        });
    }

    private void SendActionGoal(RosMap m, string? id)
    {
        var action = m.GetString("action");
        var goalId = id ?? $"goal:{Guid.NewGuid():N}";
        var feedback = m.GetBool("feedback", false);
        if (!server.TryGetAction(action, out var host))
        {
            ControllerMetrics.Reject(RosbridgeServer.MetricSource, "unknown_action");
            Reply(ActionResult(action, goalId, RosActionOutcome.StatusAborted, false, $"action {action} does not exist"));
            return;
        }
        var args = Args(m);
        var cts = CancellationTokenSource.CreateLinkedTokenSource(_cts.Token);
        if (!_goals.TryAdd(goalId, cts))
        {
            cts.Dispose();
            Reject("duplicate_goal", $"send_action_goal: goal '{goalId}' is already in progress", id);
            return;
        }
        _ = Task.Run(async () =>
        {
            RosMap reply;
            try
            {
                var ctx = new RosActionGoalContext(goalId, fb =>
                {
                    if (feedback)
                        Reply(new RosMap { ["op"] = RosbridgeOps.ActionFeedback, ["id"] = goalId, ["action"] = action, ["values"] = fb });
                }, cts.Token);
                var outcome = await host.Handler(args, ctx).ConfigureAwait(false);
                reply = ActionResult(action, goalId, outcome.Status, true, outcome.Values);
            }
            catch (OperationCanceledException) when (cts.IsCancellationRequested)
            {
                reply = ActionResult(action, goalId, RosActionOutcome.StatusCanceled, true, new RosMap());
            }
            catch (Exception e)
            {
                LogServiceFailed(Log, action, e.Message);
                reply = ActionResult(action, goalId, RosActionOutcome.StatusAborted, false, e.Message);
            }
            finally
            {
                _goals.TryRemove(goalId, out _);
                cts.Dispose();
            }
            Reply(reply);
        });
    }

    private static RosMap ActionResult(string action, string id, int status, bool ok, object? values)
        => new() { ["op"] = RosbridgeOps.ActionResult, ["id"] = id, ["action"] = action, ["status"] = (long)status, ["result"] = ok, ["values"] = values };

    public void Abort()
    {
        _cts.Cancel();
        _ws?.Abort();
        tcp.Dispose();
    }

    public void Dispose()
    {
        _ws?.Dispose();
        tcp.Dispose();
        // _cts is not disposed: late continuations (service timeouts, goals) may still read its token
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "rosbridge client {Session}: internal error: {Error}")]
    private static partial void LogInternalError(ILogger logger, long session, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "rosbridge client {Session} joined from {Remote}")]
    private static partial void LogClientJoined(ILogger logger, long session, string remote);

    [LoggerMessage(Level = LogLevel.Information, Message = "rosbridge client {Session} dropped: {Reason}")]
    private static partial void LogClientDropped(ILogger logger, long session, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "rosbridge client {Session}: rejected frame ({Reason}): {Text}")]
    private static partial void LogRejected(ILogger logger, long session, string reason, string text);

    [LoggerMessage(Level = LogLevel.Warning, Message = "rosbridge server: {Name} failed: {Reason}")]
    private static partial void LogServiceFailed(ILogger logger, string name, string reason);
}
