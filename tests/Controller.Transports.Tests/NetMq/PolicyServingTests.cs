using System.Text.Json;
using Controller.Abstractions;
using NetMQ;
using Controller.Transports.NetMq;
using Controller.Transports.Tests.Bus;

namespace Controller.Transports.Tests.NetMq;

public class PolicyServingTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(15);

    private static Observation Obs() => new(new Dictionary<string, Frame> { ["overhead"] = Samples.Frame() }, Samples.State(), "push", DateTimeOffset.UtcNow);

    [Theory]
    [InlineData("cbor")]
    [InlineData("json")]
    public async Task PolicyServer_PyzmqReqClient_GetsActionChunk(string form)
    {
        var policy = new EchoPolicy();
        using var server = new PolicyServer(policy);
        using var client = PythonPeer.Start("policy_client.py", server.Endpoint, form);

        Assert.Equal(0, await client.WaitExitAsync(Wait));
        var line = await client.WaitLineAsync(l => l.StartsWith('{'), Wait);
        using var doc = JsonDocument.Parse(line);
        Assert.Equal(7, doc.RootElement.GetProperty("id").GetInt64());
        Assert.Equal(4, doc.RootElement.GetProperty("steps").GetInt32());
        Assert.Equal(5, doc.RootElement.GetProperty("joints").GetInt32());
        Assert.Equal(20, doc.RootElement.GetProperty("tokens").GetInt32());
        Assert.Equal(0.11, doc.RootElement.GetProperty("first")[0].GetDouble(), 9);
        Assert.Equal(1, server.Served);
    }

    [Fact]
    public void RemotePolicy_Infer_ReturnsServersChunk()
    {
        var policy = new EchoPolicy();
        using var server = new PolicyServer(policy);
        using var remote = new RemotePolicy(server.Endpoint, TimeSpan.FromSeconds(5));
        var obs = Obs();

        var chunk = remote.Infer(obs);
        var again = remote.Infer(obs);

        Assert.Equal(4, chunk.Steps);
        Assert.Equal(obs.State.Positions[2] + 0.01, chunk.Targets[0][2], 9);
        Assert.Equal(20, chunk.Tokens!.Length);
        Assert.Equal(2, again.Sequence);
        Assert.Equal(2, server.Served);
    }

    [Fact]
    public async Task RemotePolicy_StalledServer_LazyPirateResendsAndIgnoresLateReply()
    {
        var policy = new EchoPolicy();
        var release = new ManualResetEventSlim();
        // Armed only once the connection is proven: counting calls instead stalled a resent *first* request when a
        // loaded machine made it miss its 500 ms, and the test thread could then never release it.
        var stallNext = 0;
        policy.OnInfer = _ =>
        {
            if (Interlocked.Exchange(ref stallNext, 0) == 1)
                release.Wait(TimeSpan.FromSeconds(10)); // stalls until the client has given up on this request
        };
        using var server = new PolicyServer(policy);
        using var warm = new RemotePolicy(server.Endpoint, TimeSpan.FromSeconds(10));
        warm.Infer(Obs()); // first calls pay for JIT on both sides; keep them out of the timed part
        // Many retries: the answer normally comes on the first resend, but on a loaded machine the release below can
        // run seconds late, and giving up then says nothing about the resend logic this test is about.
        using var remote = new RemotePolicy(server.Endpoint, TimeSpan.FromMilliseconds(500), retries: 20);
        var reopened = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        remote.Reopened += _ => reopened.TrySetResult();

        Assert.Equal(4, remote.Infer(Obs()).Steps); // connected
        var stalledCall = policy.Calls + 1;
        Volatile.Write(ref stallNext, 1);
        var infer = Task.Run(() => remote.Infer(Obs()));
        await reopened.Task.WaitAsync(Wait);
        release.Set();
        var chunk = await infer.WaitAsync(Wait);

        Assert.True(remote.Reconnects >= 1);
        Assert.Equal(4, chunk.Steps);
        Assert.True(chunk.Sequence > stalledCall, "the answer must come from a resent request, not the abandoned one");
    }

    [Fact]
    public void RemotePolicy_NoServer_ThrowsPolicyUnavailableAfterRetries()
    {
        var port = Controller.Transports.Mqtt.EmbeddedMqttBroker.FreePort();
        using var remote = new RemotePolicy($"tcp://127.0.0.1:{port}", TimeSpan.FromMilliseconds(100), retries: 2);

        var e = Assert.Throws<PolicyUnavailableException>(() => remote.Infer(Obs()));

        Assert.Contains("did not answer", e.Message, StringComparison.Ordinal);
        Assert.Equal(3, remote.Reconnects);
    }

    [Fact]
    public void PolicyServer_GarbageRequest_RepliesErrorAndCounts()
    {
        using var server = new PolicyServer(new EchoPolicy());
        using var dealer = new NetMQ.Sockets.DealerSocket();
        dealer.Connect(server.Endpoint);
        var msg = new NetMQ.NetMQMessage();
        msg.AppendEmptyFrame();
        msg.Append(new byte[] { 0xFF, 0x00, 0x13 });
        dealer.SendMultipartMessage(msg);

        var reply = new NetMQMessage();
        Assert.True(dealer.TryReceiveMultipartMessage(Wait, ref reply));
        var r = Controller.Transports.Bus.BusCodec.Decode<Controller.Transports.Bus.InferReply>(reply.Last.ToByteArray());

        Assert.Null(r.Chunk);
        Assert.Contains("bad request", r.Error, StringComparison.Ordinal);
        Assert.Equal(1, server.Rejected);
    }
}
