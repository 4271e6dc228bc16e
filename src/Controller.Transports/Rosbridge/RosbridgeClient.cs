using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Controller.Abstractions.Telemetry;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Polly;
using Polly.Retry;

namespace Controller.Transports.Rosbridge;

/// <summary>
/// A rosbridge v2 client (ROS# style, but with CBOR, fragments, png, actions and reconnect).
/// <para>Threading: every public member is thread-safe. Sends are serialized by one lock; one
/// receive loop decodes frames and only enqueues: handlers run on each subscription's own task
/// (see <see cref="RosSubscription"/>), never on the receive loop.</para>
/// <para>Reconnect: when the connection drops, calls and goals in flight fail at once with
/// <see cref="RosbridgeDisconnectedException"/>, publishes return false (commands are not queued
/// for later: they would be stale), and the client reconnects with exponential backoff (Polly),
/// then re-sends auth, set_level, every advertise, advertise_service and subscribe.</para>
/// <para>Use a second client for video if control traffic must not queue behind big frames.</para>
/// </summary>
public sealed partial class RosbridgeClient : IAsyncDisposable
{
    internal const string MetricSource = "rosbridge.client";

    private readonly RosbridgeClientOptions _options;
    private readonly ILogger _log;
    private readonly TimeProvider _time;
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private readonly ConcurrentDictionary<string, RosSubscription> _subs = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> _advertised = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, HostedService> _services = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, TaskCompletionSource<RosMap>> _calls = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, PendingGoal> _goals = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stop = new();
    private readonly ResiliencePipeline _reconnect;
    private ClientWebSocket? _ws;
    private Task? _runLoop;
    private Task? _connecting;
    private readonly Lock _connectGate = new();
    private ITimer? _silenceTimer;
    private long _nextId;
    private long _reconnects;
    private volatile RosbridgeConnectionState _state = RosbridgeConnectionState.Disconnected;

    private sealed record HostedService(string Type, Func<RosMap, CancellationToken, Task<RosMap>> Handler);

    private sealed record PendingGoal(string Action, Action<RosMap>? OnFeedback, TaskCompletionSource<RosMap> Result);

    public RosbridgeClient(RosbridgeClientOptions options, ILogger? logger = null, TimeProvider? time = null)
    {
        _options = options;
        _log = logger ?? NullLogger.Instance;
        _time = time ?? TimeProvider.System;
        _reconnect = new ResiliencePipelineBuilder { TimeProvider = _time }
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<WebSocketException>().Handle<IOException>().Handle<HttpRequestException>().Handle<TimeoutException>(),
                MaxRetryAttempts = int.MaxValue,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = options.ReconnectDelay,
                MaxDelay = options.ReconnectMaxDelay,
                OnRetry = a =>
                {
                    LogRetry(_log, _options.Uri, a.AttemptNumber + 1, a.RetryDelay.TotalMilliseconds, a.Outcome.Exception?.Message ?? "");
                    return default;
                },
            })
            .Build();
    }

    public RosbridgeClientOptions Options => _options;

    public RosDialect Dialect => _options.Dialect;

    public RosbridgeConnectionState State => _state;

    /// <summary>Times the client reconnected after losing the connection.</summary>
    public long Reconnects => Interlocked.Read(ref _reconnects);

    /// <summary>Raised (on the receive loop: keep it short) on every state change.</summary>
    public event Action<RosbridgeConnectionState>? StateChanged;

    /// <summary>Raised (on the receive loop) for every status op the server sends: level, text, id.</summary>
    public event Action<string, string, string?>? StatusReceived;

    /// <summary>Raised (on a timer thread) when a subscription stays silent past <see cref="RosbridgeClientOptions.SilenceWarningAfter"/>.</summary>
    public event Action<RosSubscription>? SubscriptionSilent;

    // ---------------------------------------------------------------- connection

    /// <summary>Connects (retrying with backoff up to <see cref="RosbridgeClientOptions.ConnectTimeout"/>) and starts the receive loop.</summary>
    /// <exception cref="RosbridgeDisconnectedException">No connection within the timeout.</exception>
    public async Task ConnectAsync(CancellationToken cancellationToken = default)
    {
        if (_runLoop is not null)
            throw new InvalidOperationException("already connected");
        SetState(RosbridgeConnectionState.Connecting);
        _ws?.Dispose();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _stop.Token);
        timeout.CancelAfter(_options.ConnectTimeout);
        try
        {
            _ws = await OpenWithRetryAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            SetState(RosbridgeConnectionState.Disconnected);
            throw new RosbridgeDisconnectedException($"could not connect to {_options.Uri} within {_options.ConnectTimeout.TotalSeconds:0.#} s", e);
        }
        await RestoreAsync(_ws, cancellationToken).ConfigureAwait(false);
        SetState(RosbridgeConnectionState.Connected);
        _silenceTimer = _time.CreateTimer(_ => CheckSilence(), null, TimeSpan.FromMilliseconds(250), TimeSpan.FromMilliseconds(250));
        _runLoop = Task.Run(RunAsync);
    }

    /// <summary>Connects once, however many components share this client and call this concurrently.</summary>
    public Task EnsureConnectedAsync(CancellationToken cancellationToken = default)
    {
        lock (_connectGate)
        {
            // a failed attempt is forgotten so the next caller tries again
            if (_connecting is { IsFaulted: true } or { IsCanceled: true })
                _connecting = null;
            return _connecting ??= _runLoop is not null ? Task.CompletedTask : ConnectAsync(cancellationToken);
        }
    }

    private async Task<ClientWebSocket> OpenWithRetryAsync(CancellationToken ct)
        => await _reconnect.ExecuteAsync(async token =>
        {
            var ws = new ClientWebSocket();
            ws.Options.KeepAliveInterval = TimeSpan.FromSeconds(20);
            try
            {
                await ws.ConnectAsync(_options.Uri, token).ConfigureAwait(false);
                return ws;
            }
            catch
            {
                ws.Dispose();
                throw;
            }
        }, ct).ConfigureAwait(false);

    private async Task RunAsync()
    {
        var ct = _stop.Token;
        while (!ct.IsCancellationRequested)
        {
            var ws = _ws!;
            string why;
            try
            {
                await ReceiveLoopAsync(ws, ct).ConfigureAwait(false);
                why = "server closed the connection";
            }
            catch (Exception e) when (e is WebSocketException or IOException or ObjectDisposedException or OperationCanceledException)
            {
                why = e.Message;
            }
            if (ct.IsCancellationRequested)
                break;
            SetState(RosbridgeConnectionState.Reconnecting);
            LogLost(_log, _options.Uri, why);
            FailInFlight($"connection to {_options.Uri} lost ({why})");
            ws.Dispose();
            try
            {
                var next = await OpenWithRetryAsync(ct).ConfigureAwait(false);
                _ws = next;
                await RestoreAsync(next, ct).ConfigureAwait(false);
                Interlocked.Increment(ref _reconnects);
                SetState(RosbridgeConnectionState.Connected);
                LogReconnected(_log, _options.Uri, _subs.Count, _advertised.Count);
            }
            catch (OperationCanceledException)
            {
                break;
            }
            catch (Exception e) when (e is WebSocketException or IOException)
            {
                LogLost(_log, _options.Uri, e.Message); // restore failed: the loop reconnects again
            }
        }
        SetState(RosbridgeConnectionState.Closed);
    }

    /// <summary>Re-sends everything the server must know after a (re)connect: auth, level, advertisements, services, subscriptions.</summary>
    private async Task RestoreAsync(ClientWebSocket ws, CancellationToken ct)
    {
        if (_options.Authenticate is { } auth)
            await SendOnAsync(ws, auth().ToRos(), ct).ConfigureAwait(false);
        await SendOnAsync(ws, new RosMap { ["op"] = RosbridgeOps.SetLevel, ["level"] = _options.StatusLevel }, ct).ConfigureAwait(false);
        foreach (var (topic, type) in _advertised)
            await SendOnAsync(ws, AdvertiseOp(topic, type), ct).ConfigureAwait(false);
        foreach (var (name, svc) in _services)
            await SendOnAsync(ws, new RosMap { ["op"] = RosbridgeOps.AdvertiseService, ["service"] = name, ["type"] = svc.Type }, ct).ConfigureAwait(false);
        foreach (var sub in _subs.Values)
        {
            sub.MarkSubscribed(_time.GetUtcNow());
            await SendOnAsync(ws, SubscribeOp(sub), ct).ConfigureAwait(false);
        }
    }

    private void FailInFlight(string why)
    {
        foreach (var id in _calls.Keys)
            if (_calls.TryRemove(id, out var tcs))
                tcs.TrySetException(new RosbridgeDisconnectedException($"{why}; call {id} was in flight"));
        foreach (var id in _goals.Keys)
            if (_goals.TryRemove(id, out var g))
                g.Result.TrySetException(new RosbridgeDisconnectedException($"{why}; goal {id} on {g.Action} was in flight"));
    }

    private void SetState(RosbridgeConnectionState s)
    {
        if (_state == s)
            return;
        _state = s;
        StateChanged?.Invoke(s);
    }

    private void CheckSilence()
    {
        if (_state != RosbridgeConnectionState.Connected)
            return;
        var now = _time.GetUtcNow();
        foreach (var sub in _subs.Values)
        {
            if (!sub.CheckSilent(now, _options.SilenceWarningAfter))
                continue;
            var hint = sub.Compression == RosCompression.Cbor && RosEncodingPolicy.CborIsUnsafe(sub.Type)
                ? " rosbridge_server for ROS 1 silently drops CBOR for messages with string or fixed-length arrays (upstream #526/#864): subscribe with compression none or cbor-raw."
                : " Check that the topic is published and the type is right.";
            LogSilent(_log, sub.Topic, sub.Type, sub.Compression.ToWire(), _options.SilenceWarningAfter.TotalSeconds, hint);
            SubscriptionSilent?.Invoke(sub);
        }
    }

    // ---------------------------------------------------------------- sending

    private async Task SendOnAsync(ClientWebSocket ws, RosMap msg, CancellationToken ct)
    {
        var frames = RosbridgeCodec.Encode(msg, RosCompression.None, _options.SendFragmentSize, _options.SendFragmentSize > 0 ? NextId("fragment", "") : null);
        await _sendLock.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            foreach (var f in frames)
                await ws.SendAsync(f.Data, f.Binary ? WebSocketMessageType.Binary : WebSocketMessageType.Text, true, ct).ConfigureAwait(false);
        }
        finally
        {
            _sendLock.Release();
        }
    }

    /// <summary>Sends one op now; throws <see cref="RosbridgeDisconnectedException"/> when not connected.</summary>
    private async Task SendAsync(RosMap msg, CancellationToken ct)
    {
        var ws = _ws;
        if (_state != RosbridgeConnectionState.Connected || ws is null)
            throw new RosbridgeDisconnectedException($"not connected to {_options.Uri} (state {_state})");
        try
        {
            await SendOnAsync(ws, msg, ct).ConfigureAwait(false);
        }
        // A socket closed under a send can also surface as OperationCanceledException (ManagedWebSocket wraps the
        // stream's IOException in one) although the caller cancelled nothing: that is a disconnection too.
        catch (Exception e) when (e is WebSocketException or IOException or ObjectDisposedException
                                  || (e is OperationCanceledException && !ct.IsCancellationRequested))
        {
            throw new RosbridgeDisconnectedException($"send to {_options.Uri} failed: {e.InnerException?.Message ?? e.Message}", e);
        }
    }

    private string NextId(string prefix, string name) => $"{prefix}:{name}:{Interlocked.Increment(ref _nextId)}";

    private static RosMap AdvertiseOp(string topic, string type) => new() { ["op"] = RosbridgeOps.Advertise, ["topic"] = topic, ["type"] = type };

    private static RosMap SubscribeOp(RosSubscription s)
    {
        var m = new RosMap { ["op"] = RosbridgeOps.Subscribe, ["id"] = s.Id, ["topic"] = s.Topic, ["type"] = s.Type, ["compression"] = s.Compression.ToWire() };
        if (s.Options.ThrottleRateMs > 0)
            m["throttle_rate"] = (long)s.Options.ThrottleRateMs;
        if (s.Options.QueueLength > 0)
            m["queue_length"] = (long)s.Options.QueueLength;
        if (s.Options.FragmentSize > 0)
            m["fragment_size"] = (long)s.Options.FragmentSize;
        return m;
    }

    // ---------------------------------------------------------------- topics

    /// <summary>Declares that this client publishes <paramref name="topic"/>; kept and re-sent after reconnects.</summary>
    public async Task AdvertiseAsync(string topic, string type, CancellationToken cancellationToken = default)
    {
        _advertised[topic] = type;
        if (_state == RosbridgeConnectionState.Connected)
            await SendAsync(AdvertiseOp(topic, type), cancellationToken).ConfigureAwait(false);
    }

    public Task AdvertiseAsync<T>(string topic, CancellationToken cancellationToken = default) where T : IRosMessage<T>
        => AdvertiseAsync(topic, T.RosType.Format(_options.Dialect), cancellationToken);

    public async Task UnadvertiseAsync(string topic, CancellationToken cancellationToken = default)
    {
        if (_advertised.TryRemove(topic, out _) && _state == RosbridgeConnectionState.Connected)
            await SendAsync(new RosMap { ["op"] = RosbridgeOps.Unadvertise, ["topic"] = topic }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Publishes now, advertising the topic first if needed. Returns false (and counts a drop) when
    /// not connected: a command is never queued to go out late.
    /// </summary>
    public async Task<bool> PublishAsync(string topic, string type, RosMap msg, CancellationToken cancellationToken = default)
    {
        if (!_advertised.ContainsKey(topic))
            await AdvertiseAsync(topic, type, cancellationToken).ConfigureAwait(false);
        if (_state != RosbridgeConnectionState.Connected)
        {
            ControllerMetrics.Reject(MetricSource, "publish_while_disconnected");
            return false;
        }
        try
        {
            await SendAsync(new RosMap { ["op"] = RosbridgeOps.Publish, ["topic"] = topic, ["msg"] = msg }, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (RosbridgeDisconnectedException)
        {
            ControllerMetrics.Reject(MetricSource, "publish_while_disconnected");
            return false;
        }
    }

    public Task<bool> PublishAsync<T>(string topic, T message, CancellationToken cancellationToken = default) where T : IRosMessage<T>
        => PublishAsync(topic, T.RosType.Format(_options.Dialect), message.ToRos(_options.Dialect), cancellationToken);

    /// <summary>Subscribes with a raw-tree handler. The handler runs on the subscription's task.</summary>
    public async Task<RosSubscription> SubscribeAsync(string topic, string type, Action<RosMap> handler, SubscribeOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new SubscribeOptions();
        var compression = options.Compression ?? RosEncodingPolicy.For(type);
        var id = NextId("subscribe", topic);
        Action<RosMap> unwrap = compression == RosCompression.CborRaw
            ? m => handler(m.TryGetValue("bytes", out var b) && b is byte[] raw ? Ros1Raw.Deserialize(type, raw) : m)
            : handler;
        var sub = new RosSubscription(this, id, topic, type, compression, options, unwrap);
        _subs[id] = sub;
        sub.MarkSubscribed(_time.GetUtcNow());
        if (_state == RosbridgeConnectionState.Connected)
            await SendAsync(SubscribeOp(sub), cancellationToken).ConfigureAwait(false);
        return sub;
    }

    /// <summary>Subscribes with a typed handler; messages that do not convert are counted as rejects and skipped.</summary>
    public Task<RosSubscription> SubscribeAsync<T>(string topic, Action<T> handler, SubscribeOptions? options = null, CancellationToken cancellationToken = default)
        where T : IRosMessage<T>
        => SubscribeAsync(topic, T.RosType.Format(_options.Dialect), m => handler(T.FromRos(m)), options, cancellationToken);

    /// <summary>Subscribes for as long as the enumeration runs; the local queue drops the oldest when the consumer is slow.</summary>
    public async IAsyncEnumerable<T> SubscribeStream<T>(string topic, SubscribeOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
        where T : IRosMessage<T>
    {
        var channel = Channel.CreateBounded<T>(new BoundedChannelOptions(Math.Max(1, options?.LocalQueue ?? 8)) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });
        var sub = await SubscribeAsync<T>(topic, m => channel.Writer.TryWrite(m), options, cancellationToken).ConfigureAwait(false);
        try
        {
            await foreach (var m in channel.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
                yield return m;
        }
        finally
        {
            await sub.DisposeAsync().ConfigureAwait(false);
        }
    }

    internal async Task UnsubscribeAsync(RosSubscription sub)
    {
        if (!_subs.TryRemove(sub.Id, out _) || _state != RosbridgeConnectionState.Connected)
            return;
        try
        {
            await SendAsync(new RosMap { ["op"] = RosbridgeOps.Unsubscribe, ["id"] = sub.Id, ["topic"] = sub.Topic }, CancellationToken.None).ConfigureAwait(false);
        }
        catch (RosbridgeDisconnectedException)
        {
            // the server forgets subscriptions of a dropped connection anyway
        }
    }

    internal void OnHandlerRejected(RosSubscription sub, Exception e)
    {
        ControllerMetrics.Reject(MetricSource, "bad_message");
        LogBadMessage(_log, sub.Topic, e.Message);
    }

    // ---------------------------------------------------------------- services

    /// <summary>Calls a service. Fails with <see cref="TimeoutException"/> after the timeout, <see cref="RosServiceException"/> on result=false, <see cref="RosbridgeDisconnectedException"/> if the link drops.</summary>
    public async Task<RosMap> CallServiceAsync(string service, RosMap args, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        var limit = timeout ?? _options.DefaultCallTimeout;
        var id = NextId("call_service", service);
        var tcs = new TaskCompletionSource<RosMap>(TaskCreationOptions.RunContinuationsAsynchronously);
        _calls[id] = tcs;
        try
        {
            await SendAsync(new RosMap { ["op"] = RosbridgeOps.CallService, ["id"] = id, ["service"] = service, ["args"] = args, ["timeout"] = limit.TotalSeconds }, cancellationToken)
                .ConfigureAwait(false);
            var reply = await tcs.Task.WaitAsync(limit, _time, cancellationToken).ConfigureAwait(false);
            if (!reply.GetBool("result", true))
                throw new RosServiceException(service, reply.TryGetValue("values", out var v) && v is string s ? s : "the service reported failure");
            return reply.GetMapOrNull("values") ?? [];
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"service {service} did not answer within {limit.TotalSeconds:0.###} s");
        }
        finally
        {
            _calls.TryRemove(id, out _);
        }
    }

    public async Task<TResponse> CallServiceAsync<TRequest, TResponse>(string service, TRequest request, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
        where TRequest : IRosMessage<TRequest> where TResponse : IRosMessage<TResponse>
        => TResponse.FromRos(await CallServiceAsync(service, request.ToRos(_options.Dialect), timeout, cancellationToken).ConfigureAwait(false));

    /// <summary>Hosts a service through the server (advertise_service); kept and re-advertised after reconnects. The handler runs on the thread pool.</summary>
    public async Task AdvertiseServiceAsync(string service, string type, Func<RosMap, CancellationToken, Task<RosMap>> handler, CancellationToken cancellationToken = default)
    {
        _services[service] = new HostedService(type, handler);
        if (_state == RosbridgeConnectionState.Connected)
            await SendAsync(new RosMap { ["op"] = RosbridgeOps.AdvertiseService, ["service"] = service, ["type"] = type }, cancellationToken).ConfigureAwait(false);
    }

    public Task AdvertiseServiceAsync<TRequest, TResponse>(string service, Func<TRequest, CancellationToken, Task<TResponse>> handler, CancellationToken cancellationToken = default)
        where TRequest : IRosMessage<TRequest> where TResponse : IRosMessage<TResponse>
        => AdvertiseServiceAsync(service, TRequest.RosType.Format(_options.Dialect),
            async (args, ct) => (await handler(TRequest.FromRos(args), ct).ConfigureAwait(false)).ToRos(_options.Dialect), cancellationToken);

    public async Task UnadvertiseServiceAsync(string service, CancellationToken cancellationToken = default)
    {
        if (_services.TryRemove(service, out _) && _state == RosbridgeConnectionState.Connected)
            await SendAsync(new RosMap { ["op"] = RosbridgeOps.UnadvertiseService, ["service"] = service }, cancellationToken).ConfigureAwait(false);
    }

    // ---------------------------------------------------------------- actions

    /// <summary>Sends a ROS 2 action goal; feedback goes to <paramref name="onFeedback"/> (on the receive loop: keep it short).</summary>
    public async Task<RosActionGoal<RosMap>> SendActionGoalAsync(string action, string actionType, RosMap goal, Action<RosMap>? onFeedback = null, CancellationToken cancellationToken = default)
    {
        var id = NextId("send_action_goal", action);
        var tcs = new TaskCompletionSource<RosMap>(TaskCreationOptions.RunContinuationsAsynchronously);
        _goals[id] = new PendingGoal(action, onFeedback, tcs);
        try
        {
            await SendAsync(new RosMap
            {
                ["op"] = RosbridgeOps.SendActionGoal, ["id"] = id, ["action"] = action, ["action_type"] = actionType, ["args"] = goal, ["feedback"] = onFeedback is not null,
            }, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            _goals.TryRemove(id, out _);
            throw;
        }
        async Task<RosActionResult<RosMap>> Complete()
        {
            var r = await tcs.Task.ConfigureAwait(false);
            var ok = r.GetBool("result", true);
            return new RosActionResult<RosMap>((int)r.GetLong("status", 0), ok ? r.GetMapOrNull("values") : null, ok ? null : r.TryGetValue("values", out var v) ? v as string ?? "failed" : "failed");
        }
        return new RosActionGoal<RosMap>(id, Complete(), () => SendAsync(new RosMap { ["op"] = RosbridgeOps.CancelActionGoal, ["id"] = id, ["action"] = action }, CancellationToken.None));
    }

    /// <summary>Typed <see cref="SendActionGoalAsync(string, string, RosMap, Action{RosMap}?, CancellationToken)"/>.</summary>
    public async Task<RosActionGoal<TResult>> SendActionGoalAsync<TGoal, TFeedback, TResult>(string action, TGoal goal, Action<TFeedback>? onFeedback = null, CancellationToken cancellationToken = default)
        where TGoal : IRosMessage<TGoal> where TFeedback : IRosMessage<TFeedback> where TResult : IRosMessage<TResult>
    {
        var raw = await SendActionGoalAsync(action, TGoal.RosType.Format(_options.Dialect), goal.ToRos(_options.Dialect),
            onFeedback is null ? null : m => onFeedback(TFeedback.FromRos(m)), cancellationToken).ConfigureAwait(false);
        async Task<RosActionResult<TResult>> Typed()
        {
            var r = await raw.Completion.ConfigureAwait(false);
            return new RosActionResult<TResult>(r.Status, r.Result is null ? default : TResult.FromRos(r.Result), r.Error);
        }
        return new RosActionGoal<TResult>(raw.Id, Typed(), raw.CancelAsync);
    }

    /// <summary>Asks the server to send status messages at <paramref name="level"/> or more severe (none, error, warning, info).</summary>
    public Task SetStatusLevelAsync(string level, CancellationToken cancellationToken = default)
        => SendAsync(new RosMap { ["op"] = RosbridgeOps.SetLevel, ["level"] = level }, cancellationToken);

    /// <summary>Sends a raw op (for tests and tools); the op is validated first.</summary>
    public Task SendRawAsync(RosMap op, CancellationToken cancellationToken = default)
    {
        RosbridgeOps.Validate(op);
        return SendAsync(op, cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        if (_stop.IsCancellationRequested)
            return;
        await _stop.CancelAsync().ConfigureAwait(false);
        if (_silenceTimer is not null)
            await _silenceTimer.DisposeAsync().ConfigureAwait(false);
        var ws = _ws;
        if (ws is not null && ws.State == WebSocketState.Open)
        {
            try
            {
                using var t = new CancellationTokenSource(TimeSpan.FromSeconds(1));
                await ws.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", t.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is WebSocketException or OperationCanceledException or IOException)
            {
            }
        }
        ws?.Abort();
        if (_runLoop is not null)
            await _runLoop.ConfigureAwait(false);
        FailInFlight("client disposed");
        foreach (var s in _subs.Values.ToList())
            await s.DisposeAsync().ConfigureAwait(false);
        ws?.Dispose();
        SetState(RosbridgeConnectionState.Closed);
    }
}
