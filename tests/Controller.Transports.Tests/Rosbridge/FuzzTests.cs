using System.Diagnostics.Metrics;
using System.Net.WebSockets;
using System.Text.Unicode;
using Controller.Abstractions.Telemetry;
using Controller.Transports.Rosbridge;
using Controller.Transports.Rosbridge.Messages;

namespace Controller.Transports.Tests.Rosbridge;

public sealed class FuzzTests
{
    private const int Frames = 10_000;

    [Fact]
    public void Decoder_TenThousandBadFrames_OnlyProtocolErrorsNeverCrashes()
    {
        var decoder = new RosbridgeDecoder();
        var rejected = new Dictionary<string, int>();
        var escaped = new List<string>();
        foreach (var (data, binary, kind) in BadFrames.Generate(Frames + 2_000, seed: 42))
        {
            try
            {
                decoder.Decode(data, binary);
            }
            catch (RosbridgeProtocolException e)
            {
                rejected[e.Reason] = rejected.GetValueOrDefault(e.Reason) + 1;
            }
#pragma warning disable CA1031 // the point of the test: nothing but protocol errors may escape
            catch (Exception e)
#pragma warning restore CA1031
            {
                escaped.Add($"{kind}: {e.GetType().Name}: {e.Message}");
            }
        }
        Assert.Empty(escaped);
        Assert.True(rejected.Values.Sum() > Frames * 8 / 10, $"only {rejected.Values.Sum()} rejected: {string.Join(", ", rejected)}");
        Assert.Contains("bad_json", rejected.Keys);
        Assert.Contains("bad_cbor", rejected.Keys);
        Assert.Contains("bad_fragment", rejected.Keys);
        Assert.Contains("unknown_op", rejected.Keys);
    }

    [Fact]
    public async Task Server_TenThousandBadFrames_AnswersStatusErrorsCountsRejectsAndKeepsServingOthers()
    {
        long rejects = 0;
        using var meter = new MeterListener();
        meter.InstrumentPublished = (i, l) =>
        {
            // compare by name: this callback can run inside ControllerMetrics' own type initializer
            if (i.Meter.Name == ControllerMetrics.MeterName && i.Name == "controller.input.rejected")
                l.EnableMeasurementEvents(i);
        };
        meter.SetMeasurementEventCallback<long>((_, v, tags, _) =>
        {
            foreach (var t in tags)
                if (t.Key == "source" && (string?)t.Value == "rosbridge.server")
                    Interlocked.Add(ref rejects, v);
        });
        meter.Start();

        var log = new CapturingLogger();
        await using var server = new RosbridgeServer(new RosbridgeServerOptions { MaxMessageBytes = 1 << 20, ControlQueueLength = 4 * Frames }, log);
        server.Start();
        server.Advertise<StringMessage>("/healthy");
        server.AdvertiseService<TriggerRequest, TriggerResponse>("/ping", (_, _) => Task.FromResult(new TriggerResponse(true, "pong")));
        await using var healthy = await Loopback.ConnectAsync(server);
        var got = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var subscribed = Loopback.WhenSubscribed(server, "/healthy");
        await using var sub = await healthy.SubscribeAsync<StringMessage>("/healthy", m => got.TrySetResult(m.Data));
        await subscribed;

        using var attacker = new ClientWebSocket();
        await attacker.ConnectAsync(server.Uri, CancellationToken.None);
        long statuses = 0;
        string? drainError = null;
        var lastAnswered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var drain = Task.Run(async () =>
        {
            var buf = new byte[1 << 16];
            try
            {
                while (attacker.State == WebSocketState.Open)
                {
                    var r = await attacker.ReceiveAsync(buf, CancellationToken.None);
                    if (r.MessageType == WebSocketMessageType.Close)
                        break;
                    if (!r.EndOfMessage)
                        continue;
                    if (buf.AsSpan(0, r.Count).IndexOf("\"id\":\"last\""u8) >= 0)
                        lastAnswered.TrySetResult();
                    else
                        Interlocked.Increment(ref statuses);
                }
            }
            catch (WebSocketException e)
            {
                drainError = e.ToString();
            }
        });
        var sentCount = 0;
        var lastKind = "";
        foreach (var (data, binary, kind) in BadFrames.Generate(Frames, seed: 7))
        {
            // RFC 6455 requires failing the connection on text that is not UTF-8 (tested below), so such bytes go as binary here
            var text = !binary && Utf8.IsValid(data);
            if (attacker.State != WebSocketState.Open)
                Assert.Fail($"attacker dropped after {sentCount} frames ({lastKind}); log: {string.Join(" | ", log.Lines.Select(l => l.Text).TakeLast(5))}");
            sentCount++;
            lastKind = kind;
            try
            {
                await attacker.SendAsync(data, text ? WebSocketMessageType.Text : WebSocketMessageType.Binary, true, CancellationToken.None);
            }
            catch (Exception e) when (e is WebSocketException or OperationCanceledException)
            {
                Assert.Fail($"attacker dropped after {sentCount} frames ({lastKind}): {e.Message}; log: {string.Join(" | ", log.Lines.Select(l => l.Text).TakeLast(5))}");
            }
        }
        // one frame larger than MaxMessageBytes, sent in pieces
        var chunk = new byte[256 * 1024];
        for (var i = 0; i < 6; i++)
            await attacker.SendAsync(chunk, WebSocketMessageType.Text, i == 5, CancellationToken.None);

        // a round trip on the attacker's own connection: every earlier frame has been processed
        await attacker.SendAsync("""{"op":"call_service","id":"last","service":"/ping"}"""u8.ToArray(), WebSocketMessageType.Text, true, CancellationToken.None);

        await lastAnswered.Task.Within();
        var pong = await healthy.CallServiceAsync<TriggerRequest, TriggerResponse>("/ping", new TriggerRequest()).Within();
        Assert.Equal("pong", pong.Message);
        server.Publish("/healthy", new StringMessage("still here"));
        Assert.Equal("still here", await got.Task.Within());

        Assert.True(attacker.State == WebSocketState.Open, $"attacker state {attacker.State}; drain: {drainError}; log: {string.Join(" | ", log.Lines.Where(l => !l.Text.Contains("rejected frame", StringComparison.Ordinal)).Select(l => l.Text))}");
        await attacker.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "", CancellationToken.None);
        await drain.Within();
        Assert.Empty(log.Errors);
        Assert.True(Interlocked.Read(ref statuses) > Frames / 2, $"only {statuses} status replies");
        Assert.True(Interlocked.Read(ref rejects) > Frames / 2, $"only {rejects} rejects counted");
    }

    [Fact]
    public async Task Server_TextFrameThatIsNotUtf8_DropsOnlyThatClient()
    {
        await using var server = Loopback.StartServer();
        server.AdvertiseService<TriggerRequest, TriggerResponse>("/ping", (_, _) => Task.FromResult(new TriggerResponse(true, "pong")));
        await using var healthy = await Loopback.ConnectAsync(server);
        using var bad = new ClientWebSocket();
        await bad.ConnectAsync(server.Uri, CancellationToken.None);
        await bad.SendAsync(new byte[] { (byte)'{', 0xC3, 0x28, (byte)'}' }, WebSocketMessageType.Text, true, CancellationToken.None);
        var buf = new byte[256];
        await Assert.ThrowsAnyAsync<Exception>(async () =>
        {
            var r = await bad.ReceiveAsync(buf, CancellationToken.None).Within();
            if (r.MessageType == WebSocketMessageType.Close)
                throw new WebSocketException("closed");
        });
        var pong = await healthy.CallServiceAsync<TriggerRequest, TriggerResponse>("/ping", new TriggerRequest());
        Assert.Equal("pong", pong.Message);
    }
}
