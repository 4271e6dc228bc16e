using System.Buffers;
using Controller.Transports.Bus;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using MQTTnet;
using MQTTnet.Protocol;
using Polly;
using Polly.Retry;

namespace Controller.Transports.Mqtt;

/// <summary>
/// A self-healing MQTT client (MQTTnet 5 has no managed client): a supervisor task connects, re-subscribes every
/// registered filter and publishes the birth message after each (re)connect, and retries with exponential backoff and
/// jitter (Polly) until disposed. Stream topics go out at QoS 0, reliable ones at QoS 1. The death message is the Last Will.
/// Thread-safe. Handlers run on MQTTnet's receive task and must not block.
/// </summary>
public sealed partial class MqttBusClient : IBusTransport
{
    private readonly MqttBusOptions _options;
    private readonly MqttLastWill? _will;
    private readonly ILogger _log;
    private readonly IMqttClient _client;
    private readonly ResiliencePipeline _retry;
    private readonly List<Subscription> _subs = [];
    private readonly Lock _gate = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly TaskCompletionSource _firstConnect = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TaskCompletionSource _disconnected = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task? _supervisor;
    private long _connects;
    private long _failedPublishes;
    private bool _aborted;
    private volatile bool _ready;

    private sealed record Subscription(string Filter, BusQos Qos, Action<string, ReadOnlyMemory<byte>> Handler);

    public MqttBusClient(MqttBusOptions options, MqttLastWill? will = null, ILogger? logger = null)
    {
        _options = options;
        _options.Endpoint(); // fail fast on a bad URL
        _will = will;
        _log = logger ?? NullLogger.Instance;
        if (string.IsNullOrEmpty(_options.ClientId))
            _options.ClientId = $"wm-{Guid.NewGuid():N}"[..15];
        _client = new MqttClientFactory().CreateMqttClient();
        _client.ApplicationMessageReceivedAsync += OnMessageAsync;
        _client.DisconnectedAsync += e =>
        {
            _ready = false;
            if (e.ClientWasConnected)
            {
                LogDisconnected(_log, _options.ClientId, e.Reason.ToString());
                ConnectionChanged?.Invoke(false);
            }
            _disconnected.TrySetResult();
            return Task.CompletedTask;
        };
        _retry = new ResiliencePipelineBuilder()
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<Exception>(e => e is not OperationCanceledException || !_stop.IsCancellationRequested),
                MaxRetryAttempts = int.MaxValue,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = _options.ReconnectMinDelay,
                MaxDelay = _options.ReconnectMaxDelay,
                OnRetry = a =>
                {
                    LogRetry(_log, _options.ClientId, a.AttemptNumber, a.RetryDelay.TotalMilliseconds, a.Outcome.Exception?.Message ?? "");
                    return ValueTask.CompletedTask;
                },
            })
            .Build();
    }

    public string Name => "mqtt";

    public string ClientId => _options.ClientId;

    public bool IsConnected => _client.IsConnected;

    /// <summary>Successful connects so far (1 after the first; each reconnect adds one).</summary>
    public long Connects => Interlocked.Read(ref _connects);

    /// <summary>Publishes that could not be handed to the broker (disconnected or failed).</summary>
    public long FailedPublishes => Interlocked.Read(ref _failedPublishes);

    /// <summary>Raised with true after each (re)connect and re-subscribe, false on each disconnect. Runs on MQTTnet's task.</summary>
    public event Action<bool>? ConnectionChanged;

    /// <summary>Starts the supervisor and waits for the first connection (the supervisor keeps retrying in the background either way).</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        _supervisor ??= Task.Run(SuperviseAsync, CancellationToken.None);
        await _firstConnect.Task.WaitAsync(cancellationToken);
    }

    private async Task SuperviseAsync()
    {
        var stop = _stop.Token;
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await _retry.ExecuteAsync(ConnectOnceAsync, stop);
                _firstConnect.TrySetResult();
                ConnectionChanged?.Invoke(true);
                await _disconnected.Task.WaitAsync(stop);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
        }
    }

    private async ValueTask ConnectOnceAsync(CancellationToken ct)
    {
        var (host, port, tls) = _options.Endpoint();
        var b = new MqttClientOptionsBuilder()
            .WithTcpServer(host, port)
            .WithClientId(_options.ClientId)
            .WithCleanSession(true)
            .WithKeepAlivePeriod(_options.KeepAlive)
            .WithTimeout(_options.ConnectTimeout);
        if (_options.Username is not null)
            b = b.WithCredentials(_options.Username, _options.Password ?? "");
        if (tls)
            b = b.WithTlsOptions(t => t.UseTls(true).WithAllowUntrustedCertificates(_options.AllowUntrustedCertificates)
                .WithIgnoreCertificateChainErrors(_options.AllowUntrustedCertificates)
                .WithCertificateValidationHandler(_options.AllowUntrustedCertificates ? _ => true : null!));
        if (_will is not null)
        {
            b = b.WithWillTopic(_will.DeathTopic).WithWillPayload(_will.Death())
                .WithWillQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).WithWillRetain(true);
        }
        _disconnected = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (_client.IsConnected)
            return;
        await _client.ConnectAsync(b.Build(), ct);
        var restored = 0;
        try
        {
            Subscription[] subs;
            lock (_gate)
                subs = [.. _subs];
            var filters = subs.GroupBy(s => s.Filter).Select(g => (g.Key, g.Max(s => s.Qos))).ToArray();
            restored = filters.Length;
            if (filters.Length > 0)
            {
                var sb = new MqttClientSubscribeOptionsBuilder();
                foreach (var (filter, qos) in filters)
                    sb = sb.WithTopicFilter(filter, ToMqtt(qos));
                await _client.SubscribeAsync(sb.Build(), ct);
            }
            if (_will is not null)
            {
                // A fresh birth, and clear the retained death of a previous life (empty retained payload deletes it).
                await PublishCoreAsync(_will.BirthTopic, _will.Birth(), BusQos.Reliable, true, ct);
                await PublishCoreAsync(_will.DeathTopic, Array.Empty<byte>(), BusQos.Reliable, true, ct);
            }
        }
        catch
        {
            await _client.DisconnectAsync(new MqttClientDisconnectOptions(), CancellationToken.None).ConfigureAwait(false);
            throw;
        }
        Interlocked.Increment(ref _connects);
        _ready = true;
        LogConnected(_log, _options.ClientId, host, port, restored);
    }

    public async ValueTask<bool> PublishAsync(string topic, ReadOnlyMemory<byte> payload, BusQos qos, bool retain = false, CancellationToken cancellationToken = default)
    {
        if (!_client.IsConnected)
        {
            Interlocked.Increment(ref _failedPublishes);
            return false;
        }
        try
        {
            await PublishCoreAsync(topic, payload, qos, retain, cancellationToken);
            return true;
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            Interlocked.Increment(ref _failedPublishes);
            return false;
        }
    }

    private Task PublishCoreAsync(string topic, ReadOnlyMemory<byte> payload, BusQos qos, bool retain, CancellationToken ct)
    {
        var msg = new MqttApplicationMessageBuilder()
            .WithTopic(topic)
            .WithPayloadSegment(payload)
            .WithQualityOfServiceLevel(ToMqtt(qos))
            .WithRetainFlag(retain)
            .Build();
        return _client.PublishAsync(msg, ct);
    }

    public IDisposable Subscribe(string filter, BusQos qos, Action<string, ReadOnlyMemory<byte>> handler)
    {
        var sub = new Subscription(filter, qos, handler);
        lock (_gate)
            _subs.Add(sub);
        if (_client.IsConnected)
        {
            // Also re-applied by the supervisor after every reconnect.
            _ = _client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter(filter, ToMqtt(qos)).Build(), CancellationToken.None)
                .ContinueWith(t => LogSubscribeFailed(_log, filter, t.Exception?.GetBaseException().Message ?? ""), CancellationToken.None,
                    TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
        }
        return new Unsubscriber(this, sub);
    }

    /// <summary>
    /// Re-sends SUBSCRIBE for every registered filter and waits for the broker's SUBACK, so that subscriptions made just
    /// before are live when this returns (the broker handles one connection's packets in order).
    /// </summary>
    public async Task FlushSubscriptionsAsync(CancellationToken cancellationToken)
    {
        Subscription[] subs;
        lock (_gate)
            subs = [.. _subs];
        if (subs.Length == 0)
            return;
        var sb = new MqttClientSubscribeOptionsBuilder();
        foreach (var g in subs.GroupBy(s => s.Filter))
            sb = sb.WithTopicFilter(g.Key, ToMqtt(g.Max(s => s.Qos)));
        await _client.SubscribeAsync(sb.Build(), cancellationToken);
    }

    /// <summary>Waits until the client is connected (and re-subscribed) again, or the token fires.</summary>
    public async Task WaitConnectedAsync(CancellationToken cancellationToken)
    {
        var tcs = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnChange(bool up)
        {
            if (up)
                tcs.TrySetResult();
        }
        ConnectionChanged += OnChange;
        try
        {
            if (_ready && IsConnected)
                return;
            await tcs.Task.WaitAsync(cancellationToken);
        }
        finally
        {
            ConnectionChanged -= OnChange;
        }
    }

    private Task OnMessageAsync(MqttApplicationMessageReceivedEventArgs e)
    {
        var topic = e.ApplicationMessage.Topic;
        // Copy: MQTTnet may reuse the buffer after the handler returns.
        ReadOnlyMemory<byte> payload = e.ApplicationMessage.Payload.ToArray();
        Subscription[] subs;
        lock (_gate)
            subs = [.. _subs];
        foreach (var s in subs)
        {
            if (!BusTopics.Matches(s.Filter, topic))
                continue;
            try
            {
                s.Handler(topic, payload);
            }
            catch (Exception ex)
            {
                LogHandlerFailed(_log, topic, ex);
            }
        }
        return Task.CompletedTask;
    }

    private static MqttQualityOfServiceLevel ToMqtt(BusQos qos) =>
        qos == BusQos.Reliable ? MqttQualityOfServiceLevel.AtLeastOnce : MqttQualityOfServiceLevel.AtMostOnce;

    /// <summary>
    /// Drops the connection without an MQTT DISCONNECT, as a crash would, so the broker publishes the Last Will.
    /// The client is unusable afterwards. For tests and fault drills.
    /// </summary>
    public async Task AbortAsync()
    {
        _aborted = true;
        await _stop.CancelAsync();
        _client.Dispose();
    }

    /// <summary>Publishes the death message (clean goodbye), disconnects normally and stops reconnecting.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_aborted)
            return;
        await _stop.CancelAsync();
        if (_client.IsConnected)
        {
            try
            {
                if (_will is not null)
                    await PublishCoreAsync(_will.DeathTopic, _will.Death(), BusQos.Reliable, true, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(1));
                await _client.DisconnectAsync(new MqttClientDisconnectOptions(), CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(1));
            }
            catch (Exception e) when (e is MQTTnet.Exceptions.MqttCommunicationException or TimeoutException or OperationCanceledException)
            {
                LogHandlerFailed(_log, "(shutdown)", e);
            }
        }
        if (_supervisor is not null)
            await _supervisor.WaitAsync(TimeSpan.FromSeconds(2)).ContinueWith(_ => { }, TaskScheduler.Default);
        _client.Dispose();
        _stop.Dispose();
    }

    private sealed class Unsubscriber(MqttBusClient owner, Subscription sub) : IDisposable
    {
        public void Dispose()
        {
            lock (owner._gate)
                owner._subs.Remove(sub);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "MQTT {ClientId} connected to {Host}:{Port}, {Filters} subscriptions restored")]
    private static partial void LogConnected(ILogger logger, string clientId, string host, int port, int filters);

    [LoggerMessage(Level = LogLevel.Warning, Message = "MQTT {ClientId} disconnected: {Reason}")]
    private static partial void LogDisconnected(ILogger logger, string clientId, string reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "MQTT {ClientId} reconnect attempt {Attempt} in {DelayMs} ms: {Error}")]
    private static partial void LogRetry(ILogger logger, string clientId, int attempt, double delayMs, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "MQTT subscribe to {Filter} failed: {Error}")]
    private static partial void LogSubscribeFailed(ILogger logger, string filter, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "bus handler for {Topic} failed")]
    private static partial void LogHandlerFailed(ILogger logger, string topic, Exception exception);
}
