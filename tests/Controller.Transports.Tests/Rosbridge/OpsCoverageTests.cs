using Controller.Transports.Rosbridge;
using Controller.Transports.Rosbridge.Messages;

namespace Controller.Transports.Tests.Rosbridge;

/// <summary>The remaining ops of our client against our server: unsubscribe, unadvertise, unadvertise_service, set_level + status.</summary>
public sealed class OpsCoverageTests
{
    private static readonly TriggerRequest Ping = new();

    [Fact]
    public async Task Unsubscribe_OnDispose_RemovesTheServerSubscription()
    {
        await using var server = Loopback.StartServer();
        server.Advertise<StringMessage>("/a");
        server.AdvertiseService<TriggerRequest, TriggerResponse>("/sync", (_, _) => Task.FromResult(new TriggerResponse(true, "")));
        await using var client = await Loopback.ConnectAsync(server);
        var subscribed = Loopback.WhenSubscribed(server, "/a");
        var sub = await client.SubscribeAsync<StringMessage>("/a", _ => { });
        await subscribed;
        Assert.Equal(1, server.SubscriberCount("/a"));
        await sub.DisposeAsync();
        await client.CallServiceAsync<TriggerRequest, TriggerResponse>("/sync", Ping); // ops are handled in order per connection
        Assert.Equal(0, server.SubscriberCount("/a"));
    }

    [Fact]
    public async Task UnadvertiseService_AfterwardsCallsFailClearly()
    {
        await using var server = Loopback.StartServer();
        await using var host = await Loopback.ConnectAsync(server);
        await using var caller = await Loopback.ConnectAsync(server);
        await host.AdvertiseServiceAsync<TriggerRequest, TriggerResponse>("/hosted", (_, _) => Task.FromResult(new TriggerResponse(true, "here")));
        await host.CallServiceAsync("/none", []).ContinueWith(_ => { }, TaskScheduler.Default); // sync the host's connection
        Assert.Equal("here", (await caller.CallServiceAsync<TriggerRequest, TriggerResponse>("/hosted", Ping)).Message);
        await host.UnadvertiseServiceAsync("/hosted");
        await host.CallServiceAsync("/none", []).ContinueWith(_ => { }, TaskScheduler.Default);
        var e = await Assert.ThrowsAsync<RosServiceException>(() => caller.CallServiceAsync("/hosted", []));
        Assert.Contains("does not exist", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SetLevelWarning_UnadvertiseTwice_ReportsWarningStatus()
    {
        await using var server = Loopback.StartServer();
        await using var client = await Loopback.ConnectAsync(server);
        var warning = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        client.StatusReceived += (level, text, _) =>
        {
            if (level == "warning")
                warning.TrySetResult(text);
        };
        await client.SetStatusLevelAsync("warning");
        await client.AdvertiseAsync<StringMessage>("/x");
        await client.UnadvertiseAsync("/x");
        await client.SendRawAsync(new RosMap { ["op"] = "unadvertise", ["topic"] = "/x" });
        Assert.Contains("does not advertise /x", await warning.Task.Within(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task PublishAsync_LargeMessageWithFragmentsRequested_ArrivesWhole()
    {
        await using var server = Loopback.StartServer();
        var got = new TaskCompletionSource<StringMessage>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var _ = server.Subscribe<StringMessage>("/big", m => got.TrySetResult(m));
        await using var client = await Loopback.ConnectAsync(server);
        // a client publish split into fragment ops by hand, as a fragmenting peer would send it
        var publish = new RosMap { ["op"] = "publish", ["topic"] = "/big", ["msg"] = new StringMessage(new string('z', 20_000)).ToRos(RosDialect.Ros2) };
        await client.AdvertiseAsync<StringMessage>("/big");
        foreach (var f in FragmentAssembler.Split(System.Text.Encoding.UTF8.GetString(JsonWire.Encode(publish)), "frag-1", 4096))
            await client.SendRawAsync(f);
        Assert.Equal(20_000, (await got.Task.Within()).Data.Length);
    }
}

public sealed class FragmentSendTests
{
    [Fact]
    public async Task PublishAsync_WithSendFragmentSize_GoesOutAsFragmentsAndArrivesWhole()
    {
        await using var server = Loopback.StartServer();
        var got = new TaskCompletionSource<StringMessage>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var _ = server.Subscribe<StringMessage>("/big", m => got.TrySetResult(m));
        await using var client = await Loopback.ConnectAsync(server, o => o with { SendFragmentSize = 1000 });
        Assert.True(await client.PublishAsync("/big", new StringMessage(new string('q', 50_000))));
        Assert.Equal(50_000, (await got.Task.Within()).Data.Length);
    }
}

public sealed class ConnectTests
{
    [Fact]
    public async Task EnsureConnected_NoServerYet_FailsClearlyThenSucceedsOnceTheServerIsUp()
    {
        var probe = Loopback.StartServer();
        var port = probe.Port;
        await probe.DisposeAsync();
        await using var client = new RosbridgeClient(new RosbridgeClientOptions { Uri = new Uri($"ws://127.0.0.1:{port}"), ConnectTimeout = TimeSpan.FromSeconds(2) }); // long enough for a loaded machine to finish the handshake below
        var e = await Assert.ThrowsAsync<RosbridgeDisconnectedException>(() => client.EnsureConnectedAsync());
        Assert.Contains("could not connect", e.Message, StringComparison.Ordinal);
        await using var server = Loopback.StartServer(new RosbridgeServerOptions { Port = port });
        await client.EnsureConnectedAsync().Within();
        Assert.Equal(RosbridgeConnectionState.Connected, client.State);
    }
}
