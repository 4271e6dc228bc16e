using System.Text;
using System.Text.Json;
using Controller.Abstractions;
using Controller.Transports.Bus;

namespace Controller.Transports.Tests.Bus;

public class BusCodecTests
{
    public static TheoryData<int, BusWireFormat> Cases()
    {
        var data = new TheoryData<int, BusWireFormat>();
        for (var i = 0; i < Samples.All().Count; i++)
        {
            data.Add(i, BusWireFormat.Cbor);
            data.Add(i, BusWireFormat.Json);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Decode_EncodedMessage_RoundTripsEveryField(int index, BusWireFormat format)
    {
        var original = Samples.All()[index];
        var decoded = BusCodec.Decode(BusCodec.Encode(original, format));
        Assert.Equal(original.Kind, decoded.Kind);
        Assert.Equal(original.Header.Sequence, decoded.Header.Sequence);
        Assert.Equal(original.Header.Sender, decoded.Header.Sender);
        Assert.Equal(BusCodec.ToMicros(original.Header.Stamp), BusCodec.ToMicros(decoded.Header.Stamp));
        // Re-encoding the decoded message gives the same bytes: nothing was lost or altered.
        Assert.Equal(BusCodec.Encode(original, format), BusCodec.Encode(decoded, format));
    }

    [Fact]
    public void Decode_ActionsMessage_CarriesTokensAndTargets()
    {
        var chunk = Samples.Chunk(steps: 3, dof: 2);
        var m = BusCodec.Decode<ActionsMessage>(BusCodec.Encode(new ActionsMessage(Samples.Header(), chunk)));
        Assert.Equal(chunk.Tokens, m.Chunk.Tokens);
        Assert.Equal(chunk.Targets, m.Chunk.Targets);
        Assert.Equal(chunk.StepPeriod, m.Chunk.StepPeriod);
        Assert.Equal(CommandSource.Policy, m.Chunk.Source);
    }

    [Fact]
    public void Encode_Json_UsesDocumentedFieldNames()
    {
        var json = Encoding.UTF8.GetString(BusCodec.Encode(new StateMessage(Samples.Header(5), Samples.State(2)), BusWireFormat.Json));
        using var doc = JsonDocument.Parse(json);
        var r = doc.RootElement;
        Assert.Equal(1, r.GetProperty("v").GetInt32());
        Assert.Equal("state", r.GetProperty("kind").GetString());
        Assert.Equal(5, r.GetProperty("seq").GetInt64());
        Assert.True(r.GetProperty("t").GetInt64() > 1_600_000_000_000_000);
        Assert.Equal(["j0", "j1"], r.GetProperty("names").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(2, r.GetProperty("pos").GetArrayLength());
    }

    [Fact]
    public void Encode_CborState_IsSmallerThanJson()
    {
        var m = new StateMessage(Samples.Header(), Samples.State(7));
        Assert.True(BusCodec.Encode(m).Length < BusCodec.Encode(m, BusWireFormat.Json).Length);
    }

    [Theory]
    [InlineData("""{"v":2,"kind":"state"}""", "bad_version")]
    [InlineData("""{"v":1,"kind":"nope","t":1700000000000000,"seq":1,"from":"a","sid":"b"}""", "unknown_kind")]
    [InlineData("""{"v":1,"kind":"mode","t":1700000000000000,"seq":1,"from":"a","sid":"b"}""", "missing_field")]
    [InlineData("""{"v":1,"kind":"mode","t":1700000000000000,"seq":1,"from":"a","sid":"b","mode":"stopped"}""", "bad_value")]
    [InlineData("""{"v":1,"kind":"estop","t":"now","seq":1,"from":"a","sid":"b","engage":true}""", "bad_type")]
    [InlineData("""[1,2]""", "not_a_map")]
    [InlineData("""{"v":1,""", "json_malformed")]
    public void Decode_BadPayload_ThrowsWithReason(string payload, string reason)
    {
        var e = Assert.Throws<BusDecodeException>(() => BusCodec.Decode(Encoding.UTF8.GetBytes(payload)));
        Assert.Equal(reason, e.Reason);
    }

    [Fact]
    public void Decode_StateWithNaN_IsRejected()
    {
        var bad = new RobotState(["a"], [double.NaN], [], DateTimeOffset.UtcNow);
        var e = Assert.Throws<BusDecodeException>(() => BusCodec.Decode(BusCodec.Encode(new StateMessage(Samples.Header(), bad))));
        Assert.Equal("bad_value", e.Reason);
    }
}
