using System.Text;
using System.Text.Json.Nodes;
using Controller.Transports.Bus;

namespace Controller.Transports.Tests.Bus;

/// <summary>Malformed payloads through the channel's real receive path: each must be rejected with a counted reason, none may crash or pass.</summary>
public class BusFuzzTests
{
    private static readonly string[] HeaderFields = ["v", "kind", "t", "seq", "from", "sid"];

    private static readonly Dictionary<string, string[]> Required = new()
    {
        [BusKinds.State] = ["names", "pos", "vel", "state_t"],
        [BusKinds.Frame] = ["cam", "enc", "w", "h", "cap_t", "data"],
        [BusKinds.Actions] = ["chunk_t", "chunk_seq", "src", "period_us", "targets"],
        [BusKinds.Command] = ["pos", "cmd_t", "cmd_seq", "src"],
        [BusKinds.Mode] = ["mode"],
        [BusKinds.EStop] = ["engage"],
        [BusKinds.Ack] = ["of", "ack_from", "ack_seq", "ok"],
        [BusKinds.Birth] = ["role", "joints", "cameras", "rate_hz"],
        [BusKinds.Death] = ["role"],
        [BusKinds.Infer] = ["id", "state", "frames", "obs_t"],
        [BusKinds.InferReply] = ["id"],
    };

    private static readonly JsonNode?[] WrongValues =
    [
        JsonValue.Create("text"), JsonValue.Create(-1), JsonValue.Create(1e300), JsonValue.Create(true), null, new JsonObject(),
        new JsonArray(new JsonObject()), JsonValue.Create(""),
    ];

    /// <summary>Deterministic malformed payloads, by construction never valid.</summary>
    private static IEnumerable<byte[]> Malformed(int count, int seed)
    {
        var rng = new Random(seed);
        var seeds = Samples.All();
        var cbor = seeds.Select(m => BusCodec.Encode(m)).ToArray();
        var json = seeds.Select(m => Encoding.UTF8.GetString(BusCodec.Encode(m, BusWireFormat.Json))).ToArray();
        for (var n = 0; n < count; n++)
        {
            var i = rng.Next(seeds.Count);
            switch (n % 6)
            {
                case 0: // truncated CBOR: every proper prefix of a definite-length item is incomplete
                    yield return cbor[i][..rng.Next(0, cbor[i].Length)];
                    break;
                case 1: // trailing garbage
                    yield return [.. cbor[i], .. RandomBytes(rng, rng.Next(1, 9))];
                    break;
                case 2: // random bytes that are not a well-formed bus map
                    yield return RandomBytes(rng, rng.Next(1, 64));
                    break;
                case 3: // a header field missing or wrong
                {
                    var node = JsonNode.Parse(json[i])!.AsObject();
                    var field = HeaderFields[rng.Next(HeaderFields.Length)];
                    if (rng.Next(2) == 0)
                        node.Remove(field);
                    else
                        node[field] = field switch
                        {
                            "v" => JsonValue.Create(rng.Next(2, 100)),
                            "kind" => JsonValue.Create("kind" + rng.Next(1000)),
                            "t" => JsonValue.Create(-rng.Next(1, 1000)),
                            "seq" => JsonValue.Create(-rng.Next(1, 1000)),
                            _ => JsonValue.Create(rng.Next()),
                        };
                    yield return Encoding.UTF8.GetBytes(node.ToJsonString());
                    break;
                }
                case 4: // a required payload field missing
                {
                    var node = JsonNode.Parse(json[i])!.AsObject();
                    var req = Required[seeds[i].Kind];
                    node.Remove(req[rng.Next(req.Length)]);
                    if (seeds[i].Kind == BusKinds.InferReply)
                        node.Remove("chunk");
                    yield return Encoding.UTF8.GetBytes(node.ToJsonString());
                    break;
                }
                default: // a required payload field with a value of the wrong type or range
                {
                    var node = JsonNode.Parse(json[i])!.AsObject();
                    var req = Required[seeds[i].Kind];
                    var field = req[rng.Next(req.Length)];
                    var bad = WrongValues[rng.Next(WrongValues.Length)]?.DeepClone();
                    if (bad is JsonValue v && v.TryGetValue<string>(out var s) && s == "text" && field is "from" or "role" or "cam" or "of" or "ack_from")
                        bad = JsonValue.Create(7); // "text" would be a valid value for text fields
                    if (field is "data" && bad is JsonValue dv && dv.TryGetValue<string>(out var ds) && ds.Length > 0)
                        bad = JsonValue.Create("!!not base64!!");
                    if (field == "engage" || field == "ok")
                        bad = JsonValue.Create("yes");
                    if (field is "id" or "chunk_seq" or "cmd_seq" or "ack_seq" && bad is JsonValue nv && nv.TryGetValue<double>(out var d) && d >= 0)
                        bad = JsonValue.Create(-5);
                    node[field] = bad;
                    yield return Encoding.UTF8.GetBytes(node.ToJsonString());
                    break;
                }
            }
        }
    }

    private static byte[] RandomBytes(Random rng, int n)
    {
        var b = new byte[n];
        rng.NextBytes(b);
        // A lone CBOR map header followed by garbage is fine; avoid payloads that are a complete empty map "A0" (still rejected: missing v).
        return b;
    }

    [Fact]
    public async Task On_TenThousandMalformedPayloads_EachRejectedWithCountedReason()
    {
        const int count = 10_000;
        var name = $"fuzz{Guid.NewGuid():N}"[..12];
        using var metrics = new MetricCapture($"bus.{name}");
        var transport = new LoopbackTransport(name);
        await using var channel = new BusChannel(transport, new BusTopics("c", "r"), new BusSender("fuzzer", TimeProvider.System));
        var accepted = 0;
        using var sub = channel.On<BusMessage>("wm/v1/c/r/#", BusQos.Reliable, (_, _) => accepted++);

        var sent = 0;
        foreach (var payload in Malformed(count, seed: 6))
        {
            if (payload.Length == 0)
                continue; // an empty payload is a cleared retained message, ignored on purpose
            await transport.PublishAsync("wm/v1/c/r/state", payload, BusQos.Stream);
            sent++;
        }

        Assert.True(sent >= count * 0.99, $"only {sent} non-empty payloads");
        Assert.Equal(0, accepted);
        Assert.Equal(sent, channel.TotalRejected);
        Assert.Equal(sent, metrics.Total);
        string[] known = ["cbor_malformed", "json_malformed", "trailing_bytes", "not_a_map", "bad_key", "duplicate_key", "unsupported_item", "too_large",
            "too_deep", "bad_version", "unknown_kind", "missing_field", "bad_type", "bad_value", "empty"];
        Assert.All(metrics.ByReason.Keys, r => Assert.Contains(r, known));
        Assert.True(metrics.ByReason.Count >= 6, string.Join(", ", metrics.ByReason));
    }

    [Fact]
    public async Task On_RandomBitFlips_NeverCrashAndAreCountedOrValid()
    {
        var name = $"flip{Guid.NewGuid():N}"[..12];
        var transport = new LoopbackTransport(name);
        await using var channel = new BusChannel(transport, new BusTopics("c", "r"), new BusSender("fuzzer", TimeProvider.System));
        var accepted = 0;
        using var sub = channel.On<BusMessage>("wm/v1/c/r/#", BusQos.Reliable, (_, _) => accepted++);
        var rng = new Random(7);
        var seeds = Samples.All().Select(m => BusCodec.Encode(m)).ToArray();
        const int n = 3000;
        for (var k = 0; k < n; k++)
        {
            var p = (byte[])seeds[rng.Next(seeds.Length)].Clone();
            for (var f = rng.Next(1, 4); f > 0; f--)
                p[rng.Next(p.Length)] ^= (byte)(1 << rng.Next(8));
            await transport.PublishAsync("wm/v1/c/r/x", p, BusQos.Stream);
        }
        Assert.Equal(n, accepted + channel.TotalRejected);
    }
}

