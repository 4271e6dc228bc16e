using System.Net.WebSockets;
using Controller.Abstractions.Telemetry;
using Microsoft.Extensions.Logging;

namespace Controller.Transports.Rosbridge;

public sealed partial class RosbridgeClient
{
    /// <summary>Reads whole messages until the socket closes; bad frames are counted and logged, never thrown.</summary>
    private async Task ReceiveLoopAsync(ClientWebSocket ws, CancellationToken ct)
    {
        var decoder = new RosbridgeDecoder(_time);
        var chunk = new byte[256 * 1024];
        using var message = new MemoryStream();
        while (ws.State == WebSocketState.Open)
        {
            message.SetLength(0);
            var tooLarge = false;
            ValueWebSocketReceiveResult r;
            do
            {
                r = await ws.ReceiveAsync(chunk.AsMemory(), ct).ConfigureAwait(false);
                if (r.MessageType == WebSocketMessageType.Close)
                    return;
                if (tooLarge || message.Length + r.Count > _options.MaxMessageBytes)
                {
                    tooLarge = true;
                    continue;
                }
                message.Write(chunk, 0, r.Count);
            }
            while (!r.EndOfMessage);
            if (tooLarge)
            {
                ControllerMetrics.Reject(MetricSource, "too_large");
                LogBadFrame(_log, "too_large", $"message larger than {_options.MaxMessageBytes} bytes discarded");
                continue;
            }
            try
            {
                var m = decoder.Decode(message.GetBuffer().AsMemory(0, (int)message.Length), r.MessageType == WebSocketMessageType.Binary);
                if (m is not null)
                    Dispatch(m);
            }
            catch (RosbridgeProtocolException e)
            {
                ControllerMetrics.Reject(MetricSource, e.Reason);
                LogBadFrame(_log, e.Reason, e.Message);
            }
        }
    }

    private void Dispatch(RosMap m)
    {
        var id = m.GetId();
        switch ((string)m["op"]!)
        {
            case RosbridgeOps.Publish:
                var topic = m.GetString("topic");
                var msg = m.GetMap("msg");
                var delivered = false;
                foreach (var sub in _subs.Values)
                {
                    if (sub.Topic == topic)
                    {
                        sub.Post(msg);
                        delivered = true;
                    }
                }
                if (!delivered)
                    ControllerMetrics.Reject(MetricSource, "unsubscribed_topic");
                break;
            case RosbridgeOps.ServiceResponse:
                if (id is not null && _calls.TryRemove(id, out var call))
                    call.TrySetResult(m);
                break;
            case RosbridgeOps.CallService:
                ServeCall(m, id);
                break;
            case RosbridgeOps.ActionFeedback:
                if (_goals.TryGetValue(id!, out var g))
                    g.OnFeedback?.Invoke(m.GetMapOrNull("values") ?? []);
                break;
            case RosbridgeOps.ActionResult:
                if (_goals.TryRemove(id!, out var done))
                    done.Result.TrySetResult(m);
                break;
            case RosbridgeOps.Status:
                var level = m.GetString("level");
                var text = m.GetStringOrNull("msg") ?? "";
                LogStatus(_log, level, text, id ?? "");
                StatusReceived?.Invoke(level, text, id);
                // an error about a call in flight fails that call now instead of at its timeout
                if (level == "error" && id is not null)
                {
                    if (_calls.TryRemove(id, out var failed))
                        failed.TrySetException(new RosServiceException(id, text));
                    else if (_goals.TryRemove(id, out var failedGoal))
                        failedGoal.Result.TrySetException(new RosServiceException(failedGoal.Action, text));
                }
                break;
            default:
                ControllerMetrics.Reject(MetricSource, "unexpected_op");
                break;
        }
    }

    private void ServeCall(RosMap m, string? id)
    {
        var service = m.GetString("service");
        var args = m.GetMapOrNull("args") ?? [];
        if (!_services.TryGetValue(service, out var svc))
        {
            _ = SendAsync(new RosMap { ["op"] = RosbridgeOps.ServiceResponse, ["id"] = id, ["service"] = service, ["result"] = false, ["values"] = $"{service} is not hosted here" }, _stop.Token);
            return;
        }
        _ = Task.Run(async () =>
        {
            RosMap reply;
            try
            {
                using var cts = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
                cts.CancelAfter(_options.DefaultCallTimeout);
                var values = await svc.Handler(args, cts.Token).ConfigureAwait(false);
                reply = new RosMap { ["op"] = RosbridgeOps.ServiceResponse, ["id"] = id, ["service"] = service, ["result"] = true, ["values"] = values };
            }
            catch (Exception e)
            {
                reply = new RosMap { ["op"] = RosbridgeOps.ServiceResponse, ["id"] = id, ["service"] = service, ["result"] = false, ["values"] = e.Message };
            }
            try
            {
                await SendAsync(reply, _stop.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is RosbridgeDisconnectedException or OperationCanceledException)
            {
                LogLost(_log, _options.Uri, $"service_response for {service} not sent: {e.Message}");
            }
        });
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "rosbridge {Uri}: connect attempt {Attempt} failed, retrying in {DelayMs:0} ms: {Reason}")]
    private static partial void LogRetry(ILogger logger, Uri uri, int attempt, double delayMs, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "rosbridge {Uri}: connection lost: {Reason}")]
    private static partial void LogLost(ILogger logger, Uri uri, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "rosbridge {Uri}: reconnected; restored {Subscriptions} subscriptions and {Advertised} advertisements")]
    private static partial void LogReconnected(ILogger logger, Uri uri, int subscriptions, int advertised);

    [LoggerMessage(Level = LogLevel.Warning, Message = "rosbridge: no message on {Topic} ({Type}, compression {Compression}) for {Seconds:0.#} s.{Hint}")]
    private static partial void LogSilent(ILogger logger, string topic, string type, string compression, double seconds, string hint);

    [LoggerMessage(Level = LogLevel.Warning, Message = "rosbridge: message on {Topic} rejected: {Reason}")]
    private static partial void LogBadMessage(ILogger logger, string topic, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "rosbridge: bad frame from server ({Reason}): {Text}")]
    private static partial void LogBadFrame(ILogger logger, string reason, string text);

    [LoggerMessage(Level = LogLevel.Information, Message = "rosbridge status [{Level}] {Text} (id {Id})")]
    private static partial void LogStatus(ILogger logger, string level, string text, string id);
}
