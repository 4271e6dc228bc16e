using Controller.Transports.Rosbridge;
using Controller.Transports.Rosbridge.Messages;

namespace Controller.Transports.Tests.Rosbridge;

public sealed class ClientServerTests
{
    private static Image TestImage(int w = 64, int h = 48)
    {
        var data = new byte[w * h * 3];
        new Random(1).NextBytes(data);
        return new Image(Header.Now(), (uint)h, (uint)w, "rgb8", 0, (uint)(w * 3), data);
    }

    [Theory]
    [InlineData(RosCompression.None, 0)]
    [InlineData(RosCompression.Cbor, 0)]
    [InlineData(RosCompression.Png, 0)]
    [InlineData(RosCompression.None, 1000)]
    [InlineData(RosCompression.Png, 700)]
    [InlineData(RosCompression.CborRaw, 0)]
    public async Task Subscribe_ImageWithEachCompression_ReceivesTheSameBytes(RosCompression compression, int fragmentSize)
    {
        await using var server = Loopback.StartServer();
        server.Advertise<Image>("/camera/image_raw");
        await using var client = await Loopback.ConnectAsync(server);
        var got = new TaskCompletionSource<Image>(TaskCreationOptions.RunContinuationsAsynchronously);
        var subscribed = Loopback.WhenSubscribed(server, "/camera/image_raw");
        await using var sub = await client.SubscribeAsync<Image>("/camera/image_raw", m => got.TrySetResult(m),
            new SubscribeOptions { Compression = compression, FragmentSize = fragmentSize });
        await subscribed;
        var sent = TestImage();
        server.Publish("/camera/image_raw", sent);
        var image = await got.Task.Within();
        Assert.Equal(sent.Data, image.Data);
        Assert.Equal(sent.Width, image.Width);
        Assert.Equal("rgb8", image.Encoding);
    }

    [Fact]
    public async Task SubscribeStream_JointStates_YieldsTypedMessages()
    {
        await using var server = Loopback.StartServer();
        server.Advertise<JointState>("/joint_states");
        await using var client = await Loopback.ConnectAsync(server);
        using var cts = new CancellationTokenSource(Loopback.Timeout);
        var subscribed = Loopback.WhenSubscribed(server, "/joint_states");
        var reader = Task.Run(async () =>
        {
            var seen = new List<JointState>();
            await foreach (var js in client.SubscribeStream<JointState>("/joint_states", cancellationToken: cts.Token))
            {
                seen.Add(js);
                if (seen.Count == 3)
                    break;
            }
            return seen;
        });
        await subscribed;
        for (var i = 0; i < 3; i++)
            server.Publish("/joint_states", new JointState(Header.Now(), ["a", "b"], [i, i + 0.5], [], []));
        var states = await reader.Within();
        Assert.Equal([0.0, 1.0, 2.0], states.Select(s => s.Position[0]));
        Assert.Equal(["a", "b"], states[0].Name);
    }

    [Fact]
    public async Task Publish_JointTrajectoryFromClient_ArrivesAtServerHandler()
    {
        await using var server = Loopback.StartServer(new RosbridgeServerOptions { Dialect = RosDialect.Ros1 });
        var got = new TaskCompletionSource<JointTrajectory>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var _ = server.Subscribe<JointTrajectory>("/arm_controller/joint_trajectory", jt => got.TrySetResult(jt));
        await using var client = await Loopback.ConnectAsync(server, o => o with { Dialect = RosDialect.Ros2 });
        var jt = new JointTrajectory(Header.Now(), ["j1"], [JointTrajectoryPoint.At([0.25], TimeSpan.FromMilliseconds(50))]);
        Assert.True(await client.PublishAsync("/arm_controller/joint_trajectory", jt));
        var arrived = await got.Task.Within();
        Assert.Equal([0.25], arrived.Points[0].Positions);
        Assert.Equal(TimeSpan.FromMilliseconds(50), arrived.Points[0].TimeFromStart.ToTimeSpan());
    }

    [Fact]
    public async Task CallService_Trigger_ReturnsResponse()
    {
        await using var server = Loopback.StartServer();
        server.AdvertiseService<TriggerRequest, TriggerResponse>("/sim/reset", (_, _) => Task.FromResult(new TriggerResponse(true, "reset")));
        await using var client = await Loopback.ConnectAsync(server);
        var r = await client.CallServiceAsync<TriggerRequest, TriggerResponse>("/sim/reset", new TriggerRequest());
        Assert.True(r.Success);
        Assert.Equal("reset", r.Message);
    }

    [Fact]
    public async Task CallService_UnknownService_ThrowsServiceException()
    {
        await using var server = Loopback.StartServer();
        await using var client = await Loopback.ConnectAsync(server);
        var e = await Assert.ThrowsAsync<RosServiceException>(() => client.CallServiceAsync("/nope", []));
        Assert.Contains("does not exist", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CallService_HandlerNeverAnswers_TimesOutWithClearError()
    {
        await using var server = Loopback.StartServer();
        var never = new TaskCompletionSource<RosMap>();
        server.AdvertiseService("/slow", "std_srvs/srv/Trigger", (_, _) => never.Task);
        await using var client = await Loopback.ConnectAsync(server);
        var e = await Assert.ThrowsAsync<TimeoutException>(() => client.CallServiceAsync("/slow", [], TimeSpan.FromMilliseconds(200)));
        Assert.Contains("/slow", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AdvertiseService_OnOneClient_IsCallableFromAnother()
    {
        await using var server = Loopback.StartServer();
        await using var host = await Loopback.ConnectAsync(server);
        await host.AdvertiseServiceAsync<SetBoolRequest, SetBoolResponse>("/gripper/enable", (req, _) => Task.FromResult(new SetBoolResponse(true, req.Data ? "on" : "off")));
        await using var caller = await Loopback.ConnectAsync(server);
        // advertise_service is processed in order on the host's connection; one round trip on it proves it landed
        await host.CallServiceAsync("/nope", []).ContinueWith(_ => { }, TaskScheduler.Default);
        var r = await caller.CallServiceAsync<SetBoolRequest, SetBoolResponse>("/gripper/enable", new SetBoolRequest(true));
        Assert.Equal("on", r.Message);
    }

    [Fact]
    public async Task SendActionGoal_FollowJointTrajectory_StreamsFeedbackThenResult()
    {
        await using var server = Loopback.StartServer();
        server.AdvertiseAction("/arm_controller/follow_joint_trajectory", "control_msgs/action/FollowJointTrajectory", async (goal, ctx) =>
        {
            var g = FollowJointTrajectory.Goal.FromRos(goal);
            foreach (var p in g.Trajectory.Points)
            {
                ctx.SendFeedback(new FollowJointTrajectory.Feedback(Header.Now(), g.Trajectory.JointNames, p.Positions, p.Positions).ToRos(RosDialect.Ros2));
                await Task.Yield();
            }
            return RosActionOutcome.Succeeded(new FollowJointTrajectory.Result(FollowJointTrajectory.Successful, "done").ToRos(RosDialect.Ros2));
        });
        await using var client = await Loopback.ConnectAsync(server);
        var feedback = new List<FollowJointTrajectory.Feedback>();
        var goal = new FollowJointTrajectory.Goal(new JointTrajectory(Header.Now(), ["j1"],
            [JointTrajectoryPoint.At([0.1], TimeSpan.FromMilliseconds(10)), JointTrajectoryPoint.At([0.2], TimeSpan.FromMilliseconds(20))]));
        var handle = await client.SendActionGoalAsync<FollowJointTrajectory.Goal, FollowJointTrajectory.Feedback, FollowJointTrajectory.Result>(
            "/arm_controller/follow_joint_trajectory", goal, fb => { lock (feedback) feedback.Add(fb); });
        var result = await handle.Completion.Within();
        Assert.True(result.Succeeded);
        Assert.Equal("done", result.Result!.ErrorString);
        lock (feedback)
            Assert.Equal([0.1, 0.2], feedback.Select(f => f.Desired[0]));
    }

    [Fact]
    public async Task CancelActionGoal_RunningGoal_EndsCanceled()
    {
        await using var server = Loopback.StartServer();
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        server.AdvertiseAction("/wait", "control_msgs/action/FollowJointTrajectory", async (_, ctx) =>
        {
            started.TrySetResult();
            await Task.Delay(Timeout.Infinite, ctx.Cancellation);
            return RosActionOutcome.Succeeded([]);
        });
        await using var client = await Loopback.ConnectAsync(server);
        var handle = await client.SendActionGoalAsync("/wait", "control_msgs/action/FollowJointTrajectory", []);
        await started.Task.Within();
        await handle.CancelAsync();
        var result = await handle.Completion.Within();
        Assert.Equal(RosActionOutcome.StatusCanceled, result.Status);
    }

    [Fact]
    public async Task Reconnect_AfterServerRestart_FailsInFlightCallsAndResubscribes()
    {
        var first = Loopback.StartServer();
        var port = first.Port;
        first.Advertise<StringMessage>("/chatter");
        var hang = new TaskCompletionSource<RosMap>();
        first.AdvertiseService("/hang", "std_srvs/srv/Trigger", (_, _) => hang.Task);
        await using var client = await Loopback.ConnectAsync(first);
        var got = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var subscribed = Loopback.WhenSubscribed(first, "/chatter");
        await using var sub = await client.SubscribeAsync<StringMessage>("/chatter", m => got.TrySetResult(m.Data));
        await subscribed;
        var inFlight = client.CallServiceAsync("/hang", [], TimeSpan.FromSeconds(30));

        await first.DisposeAsync();
        var e = await Assert.ThrowsAsync<RosbridgeDisconnectedException>(() => inFlight.Within());
        Assert.Contains("in flight", e.Message, StringComparison.Ordinal);

        await using var second = Loopback.StartServer(new RosbridgeServerOptions { Port = port });
        second.Advertise<StringMessage>("/chatter");
        await Loopback.WhenSubscribed(second, "/chatter");
        second.Publish("/chatter", new StringMessage("back"));
        Assert.Equal("back", await got.Task.Within());
        Assert.Equal(1, client.Reconnects);
        Assert.Equal(RosbridgeConnectionState.Connected, client.State);
    }

    [Fact]
    public async Task Subscribe_TopicNobodyPublishes_RaisesSilenceWarning()
    {
        await using var server = Loopback.StartServer();
        await using var client = await Loopback.ConnectAsync(server, o => o with { SilenceWarningAfter = TimeSpan.FromMilliseconds(300) });
        var silent = new TaskCompletionSource<RosSubscription>(TaskCreationOptions.RunContinuationsAsynchronously);
        client.SubscriptionSilent += s => silent.TrySetResult(s);
        await using var sub = await client.SubscribeAsync<JointState>("/joint_states", _ => { }, new SubscribeOptions { Compression = RosCompression.Cbor });
        var s = await silent.Task.Within();
        Assert.Same(sub, s);
        Assert.True(sub.WarnedSilent);
    }

    [Fact]
    public async Task Subscribe_WithThrottleRate_DropsMessagesInsideTheWindow()
    {
        await using var server = Loopback.StartServer();
        server.Advertise<StringMessage>("/fast");
        server.Advertise<StringMessage>("/flush");
        await using var client = await Loopback.ConnectAsync(server);
        var first = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var flushed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var count = 0;
        var both = Task.WhenAll(Loopback.WhenSubscribed(server, "/fast"), Loopback.WhenSubscribed(server, "/flush"));
        await using var fast = await client.SubscribeAsync<StringMessage>("/fast", _ => { Interlocked.Increment(ref count); first.TrySetResult(); },
            new SubscribeOptions { ThrottleRateMs = 60_000 });
        await using var flush = await client.SubscribeAsync<StringMessage>("/flush", _ => flushed.TrySetResult());
        await both;
        for (var i = 0; i < 5; i++)
            server.Publish("/fast", new StringMessage($"m{i}"));
        server.Publish("/flush", new StringMessage("end"));
        await Task.WhenAll(first.Task, flushed.Task).Within();
        Assert.Equal(1, Volatile.Read(ref count));
    }

    [Fact]
    public async Task Auth_WithSecret_RefusesUnauthenticatedAndAcceptsValidMac()
    {
        const string secret = "s3cret";
        await using var server = Loopback.StartServer(new RosbridgeServerOptions { AuthSecret = secret });
        server.AdvertiseService<TriggerRequest, TriggerResponse>("/ping", (_, _) => Task.FromResult(new TriggerResponse(true, "pong")));

        await using var anonymous = await Loopback.ConnectAsync(server);
        await Assert.ThrowsAsync<RosServiceException>(() => anonymous.CallServiceAsync("/ping", []));

        await using var trusted = await Loopback.ConnectAsync(server, o => o with
        {
            Authenticate = () => RosAuthRequest.Create(secret, "127.0.0.1", "127.0.0.1", "admin", DateTimeOffset.UtcNow, TimeSpan.FromMinutes(5)),
        });
        var r = await trusted.CallServiceAsync<TriggerRequest, TriggerResponse>("/ping", new TriggerRequest());
        Assert.Equal("pong", r.Message);
    }

    [Fact]
    public async Task Publish_WhileDisconnected_ReturnsFalseInsteadOfQueueing()
    {
        var server = Loopback.StartServer();
        var client = await Loopback.ConnectAsync(server, o => o with { ReconnectDelay = TimeSpan.FromSeconds(30), ReconnectMaxDelay = TimeSpan.FromSeconds(30) });
        var lost = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        client.StateChanged += s =>
        {
            if (s == RosbridgeConnectionState.Reconnecting)
                lost.TrySetResult();
        };
        await server.DisposeAsync();
        await lost.Task.Within();
        Assert.False(await client.PublishAsync("/cmd", new Float64MultiArray([1.0])));
        await client.DisposeAsync();
    }

    [Fact]
    public void DropOldestQueue_Full_DropsOldestAndCounts()
    {
        var q = new DropOldestQueue<int>(2);
        Assert.True(q.Enqueue(1));
        Assert.True(q.Enqueue(2));
        Assert.False(q.Enqueue(3));
        Assert.Equal(1, q.Dropped);
        Assert.True(q.TryDequeue(out var a));
        Assert.Equal(2, a);
    }
}
