using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Controller.Abstractions.Telemetry;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Controller.Transports.Rosbridge;

/// <summary>
/// A rosbridge v2 server on a raw TCP listener (127.0.0.1 by default): it hosts topics, services
/// and actions for in-process code (the sim) and relays between its WebSocket clients, so the sim
/// looks like a real robot behind rosbridge_server.
/// <para>Threading: every public member is thread-safe. <see cref="Publish"/> never blocks: it encodes
/// once per distinct (compression, fragment size) and queues into each subscriber's bounded
/// drop-oldest queue; each client has its own send loop, so a slow or stalled client only loses its
/// own oldest frames. Hosted service and action handlers run on the thread pool, never on a receive loop.
/// A malformed op gets a <c>status</c> error to its sender and a <see cref="ControllerMetrics.Reject"/>.</para>
/// </summary>
public sealed partial class RosbridgeServer : IAsyncDisposable
{
    internal const string MetricSource = "rosbridge.server";

    private readonly RosbridgeServerOptions _options;
    private readonly ILogger _log;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<string, TopicState> _topics = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ServiceHost> _services = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ActionHost> _actions = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<long, ServerSession> _sessions = new();
    private readonly CancellationTokenSource _stop = new();
    private TcpListener? _listener;
    private Task? _acceptLoop;
    private long _nextSession;

    public RosbridgeServer(RosbridgeServerOptions? options = null, ILogger? logger = null, TimeProvider? time = null)
    {
        _options = options ?? new RosbridgeServerOptions();
        _log = logger ?? NullLogger.Instance;
        _time = time ?? TimeProvider.System;
    }

    public RosbridgeServerOptions Options => _options;

    internal TimeProvider Time => _time;

    internal ILogger Log => _log;

    /// <summary>The bound port (after <see cref="Start"/>).</summary>
    public int Port => ((IPEndPoint?)_listener?.LocalEndpoint)?.Port ?? throw new InvalidOperationException("server not started");

    public Uri Uri => new($"ws://{_options.Host}:{Port}");

    public int ClientCount => _sessions.Count;

    /// <summary>Raised on a client's receive loop after it subscribed: topic and compression. Keep handlers short.</summary>
    public event Action<string, RosCompression>? ClientSubscribed;

    /// <summary>Raised after a client advertised a topic it will publish: topic and type.</summary>
    public event Action<string, string>? ClientAdvertised;

    internal void RaiseClientSubscribed(string topic, RosCompression compression) => ClientSubscribed?.Invoke(topic, compression);

    internal void RaiseClientAdvertised(string topic, string type) => ClientAdvertised?.Invoke(topic, type);

    /// <summary>Client subscriptions currently on <paramref name="topic"/>.</summary>
    public int SubscriberCount(string topic) => _topics.TryGetValue(topic, out var t) ? t.Subscribers.Length : 0;

    /// <summary>Binds and starts accepting clients. Returns once the port is bound.</summary>
    public void Start()
    {
        if (_listener is not null)
            throw new InvalidOperationException("server already started");
        _listener = new TcpListener(IPAddress.Parse(_options.Host), _options.Port);
        _listener.Server.NoDelay = true;
        // a restarted server must rebind its port while old connections sit in TIME_WAIT
        _listener.Server.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        _listener.Start();
        _acceptLoop = Task.Run(AcceptLoopAsync);
        LogStarted(_log, Uri);
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient tcp;
            try
            {
                tcp = await _listener!.AcceptTcpClientAsync(_stop.Token).ConfigureAwait(false);
            }
            catch (Exception) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (SocketException e)
            {
                LogAcceptFailed(_log, e.Message);
                continue;
            }
            tcp.NoDelay = true;
            var id = Interlocked.Increment(ref _nextSession);
            var session = new ServerSession(this, id, tcp);
            _sessions[id] = session;
            _ = session.RunAsync(_stop.Token).ContinueWith(_ => OnSessionEnded(session), TaskScheduler.Default);
        }
    }

    private void OnSessionEnded(ServerSession session)
    {
        _sessions.TryRemove(session.Id, out _);
        foreach (var topic in _topics.Values)
            topic.RemoveSession(session);
        foreach (var (name, svc) in _services)
            if (svc.Owner == session)
                _services.TryRemove(name, out _);
        session.Dispose();
        LogClientLeft(_log, session.Id, session.Remote);
    }

    // ---------------------------------------------------------------- topics

    /// <summary>Declares a topic the server publishes. Re-advertising with the same type is a no-op.</summary>
    /// <exception cref="InvalidOperationException">The topic exists with another type.</exception>
    public void Advertise(string topic, string type)
    {
        var state = _topics.GetOrAdd(topic, t => new TopicState(t, type));
        if (!RosTypeName.SameType(state.Type, type))
            throw new InvalidOperationException($"topic {topic} already has type {state.Type}, not {type}");
        state.Type = state.Type == "" ? type : state.Type;
    }

    /// <summary>Declares a typed topic, spelling the type in the server's dialect.</summary>
    public void Advertise<T>(string topic) where T : IRosMessage<T> => Advertise(topic, T.RosType.Format(_options.Dialect));

    /// <summary>Publishes a typed message to every subscriber of <paramref name="topic"/>. Never blocks.</summary>
    public void Publish<T>(string topic, T message) where T : IRosMessage<T>
    {
        if (!_topics.ContainsKey(topic))
            Advertise<T>(topic);
        Publish(topic, message.ToRos(_options.Dialect));
    }

    /// <summary>Publishes a message tree to every client subscriber and in-process handler of <paramref name="topic"/>. Never blocks.</summary>
    public void Publish(string topic, RosMap msg) => Route(topic, msg, from: null);

    internal void Route(string topic, RosMap msg, ServerSession? from)
    {
        if (!_topics.TryGetValue(topic, out var state))
            return;
        var envelope = new RosMap { ["op"] = RosbridgeOps.Publish, ["topic"] = topic, ["msg"] = msg };
        var now = _time.GetUtcNow();
        Dictionary<(RosCompression, int), WireFrame[]>? encoded = null;
        HashSet<ServerSession>? served = null;
        foreach (var sub in state.Subscribers)
        {
            // like rosbridge_server, a client gets each message once even with several subscriptions on the topic
            if ((served ??= []).Contains(sub.Session) || !sub.Admit(now))
                continue;
            served.Add(sub.Session);
            encoded ??= [];
            var key = (sub.Compression, sub.FragmentSize);
            if (!encoded.TryGetValue(key, out var frames))
            {
                frames = Encode(state, envelope, msg, sub);
                encoded[key] = frames;
            }
            sub.Session.EnqueueTopic(sub, frames);
        }
        foreach (var handler in state.Handlers)
        {
            try
            {
                handler(msg, from?.Id);
            }
            catch (Exception e) when (e is RosbridgeProtocolException or ArgumentException or FormatException or InvalidOperationException)
            {
                ControllerMetrics.Reject(MetricSource, "bad_message");
                from?.SendStatus("error", $"publish to {topic}: {e.Message}", null);
                LogHandlerRejected(_log, topic, e.Message);
            }
        }
    }

    private WireFrame[] Encode(TopicState state, RosMap envelope, RosMap msg, ServerSubscription sub)
    {
        if (sub.Compression == RosCompression.CborRaw)
        {
            if (state.Type.Length > 0 && Ros1Raw.Supports(state.Type))
            {
                var stamp = Messages.RosTime.FromDateTimeOffset(_time.GetUtcNow());
                var raw = new RosMap
                {
                    ["op"] = RosbridgeOps.Publish,
                    ["topic"] = state.Name,
                    ["msg"] = new RosMap { ["secs"] = (long)stamp.Sec, ["nsecs"] = (long)stamp.Nanosec, ["bytes"] = Ros1Raw.Serialize(state.Type, msg) },
                };
                return RosbridgeCodec.Encode(raw, RosCompression.CborRaw);
            }
            return RosbridgeCodec.Encode(envelope, RosCompression.Cbor); // no raw serializer for this type: plain CBOR
        }
        return RosbridgeCodec.Encode(envelope, sub.Compression, sub.FragmentSize);
    }

    /// <summary>Calls <paramref name="handler"/> (on the publishing client's receive loop: keep it short) for every message clients publish on <paramref name="topic"/>.</summary>
    public IDisposable Subscribe(string topic, string type, Action<RosMap> handler)
    {
        var state = _topics.GetOrAdd(topic, t => new TopicState(t, type));
        Action<RosMap, long?> h = (m, _) => handler(m);
        state.AddHandler(h);
        return new Unsubscriber(() => state.RemoveHandler(h));
    }

    /// <summary>Typed <see cref="Subscribe(string, string, Action{RosMap})"/>; a message that does not convert gets a status error to its sender.</summary>
    public IDisposable Subscribe<T>(string topic, Action<T> handler) where T : IRosMessage<T>
        => Subscribe(topic, T.RosType.Format(_options.Dialect), m => handler(T.FromRos(m)));

    internal bool TryGetTopic(string topic, out TopicState state) => _topics.TryGetValue(topic, out state!);

    internal TopicState GetOrAddTopic(string topic, string type) => _topics.GetOrAdd(topic, t => new TopicState(t, type));

    // ---------------------------------------------------------------- services and actions

    /// <summary>Hosts a service. The handler returns the response values or throws (the caller then gets result=false with the message).</summary>
    public void AdvertiseService(string service, string type, Func<RosMap, CancellationToken, Task<RosMap>> handler)
    {
        if (!_services.TryAdd(service, new ServiceHost(service, type, handler, null)))
            throw new InvalidOperationException($"service {service} is already advertised");
    }

    /// <summary>Typed <see cref="AdvertiseService(string, string, Func{RosMap, CancellationToken, Task{RosMap}})"/>.</summary>
    public void AdvertiseService<TRequest, TResponse>(string service, Func<TRequest, CancellationToken, Task<TResponse>> handler)
        where TRequest : IRosMessage<TRequest> where TResponse : IRosMessage<TResponse>
        => AdvertiseService(service, TRequest.RosType.Format(_options.Dialect), async (args, ct) => (await handler(TRequest.FromRos(args), ct).ConfigureAwait(false)).ToRos(_options.Dialect));

    /// <summary>Hosts an action. The handler gets the goal and a context (feedback, cancellation) and returns the outcome.</summary>
    public void AdvertiseAction(string action, string type, Func<RosMap, RosActionGoalContext, Task<RosActionOutcome>> handler)
    {
        if (!_actions.TryAdd(action, new ActionHost(action, type, handler)))
            throw new InvalidOperationException($"action {action} is already advertised");
    }

    internal bool TryGetService(string name, out ServiceHost host) => _services.TryGetValue(name, out host!);

    internal bool TryAddClientService(string name, ServiceHost host) => _services.TryAdd(name, host);

    internal void RemoveClientService(string name, ServerSession owner)
    {
        if (_services.TryGetValue(name, out var h) && h.Owner == owner)
            _services.TryRemove(name, out _);
    }

    internal bool TryGetAction(string name, out ActionHost host) => _actions.TryGetValue(name, out host!);

    internal ServerSession? FindSession(long id) => _sessions.TryGetValue(id, out var s) ? s : null;

    /// <summary>Stops the server and closes every client (their in-flight calls get errors).</summary>
    public async ValueTask DisposeAsync()
    {
        if (_stop.IsCancellationRequested)
            return;
        _stop.Cancel();
        _listener?.Stop();
        foreach (var s in _sessions.Values)
            s.Abort();
        if (_acceptLoop is not null)
            await _acceptLoop.ConfigureAwait(false);
    }

    private sealed class Unsubscriber(Action undo) : IDisposable
    {
        private int _done;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _done, 1) == 0)
                undo();
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "rosbridge server listening on {Uri}")]
    private static partial void LogStarted(ILogger logger, Uri uri);

    [LoggerMessage(Level = LogLevel.Warning, Message = "rosbridge server: accept failed: {Reason}")]
    private static partial void LogAcceptFailed(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "rosbridge client {Session} ({Remote}) left")]
    private static partial void LogClientLeft(ILogger logger, long session, string remote);

    [LoggerMessage(Level = LogLevel.Warning, Message = "rosbridge server: message on {Topic} rejected: {Reason}")]
    private static partial void LogHandlerRejected(ILogger logger, string topic, string reason);
}
