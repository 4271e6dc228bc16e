using System.Text;
using Controller.Transports.Rosbridge;
using Controller.Transports.Rosbridge.Messages;

namespace Controller.Transports.Tests.Rosbridge;

public sealed class CodecTests
{
    private static RosMap Sample() => new()
    {
        ["op"] = "publish",
        ["topic"] = "/x",
        ["msg"] = new RosMap
        {
            ["bytes"] = new byte[] { 0, 1, 2, 255 },
            ["f64"] = new[] { 1.5, -2.25, 1e300 },
            ["f32"] = new[] { 0.5f, 3f },
            ["i32"] = new[] { -7, 9 },
            ["names"] = new object?[] { "a", "b" },
            ["n"] = 42L,
            ["d"] = 0.125,
            ["b"] = true,
            ["nested"] = new RosMap { ["s"] = "héllo" },
        },
    };

    [Fact]
    public void CborEncode_TypedArrays_UseRosbridgeLittleEndianTags()
    {
        var bytes = CborWire.Encode(new RosMap { ["a"] = new[] { 1.0 }, ["b"] = new[] { 2f }, ["c"] = new[] { 3 } });
        var hex = Convert.ToHexString(bytes);
        Assert.Contains("D856", hex, StringComparison.Ordinal); // tag 86 float64 LE
        Assert.Contains("D855", hex, StringComparison.Ordinal); // tag 85 float32 LE
        Assert.Contains("D84E", hex, StringComparison.Ordinal); // tag 78 int32 LE
    }

    [Fact]
    public void CborRoundTrip_Sample_KeepsTypedArraysAndBytes()
    {
        var back = CborWire.Decode(CborWire.Encode(Sample())).GetMap("msg");
        Assert.Equal(new byte[] { 0, 1, 2, 255 }, back.GetBytes("bytes"));
        Assert.Equal(new[] { 1.5, -2.25, 1e300 }, (double[])back["f64"]!);
        Assert.Equal(new[] { 0.5f, 3f }, (float[])back["f32"]!);
        Assert.Equal(new[] { -7, 9 }, (int[])back["i32"]!);
        Assert.Equal(["a", "b"], back.GetStrings("names"));
        Assert.Equal(42L, back["n"]);
        Assert.Equal("héllo", back.GetMap("nested").GetString("s"));
    }

    [Fact]
    public void JsonRoundTrip_Sample_BytesTravelAsBase64()
    {
        var json = JsonWire.Encode(Sample());
        Assert.Contains("\"AAEC/w==\"", Encoding.UTF8.GetString(json), StringComparison.Ordinal);
        var back = JsonWire.Decode(json).GetMap("msg");
        Assert.Equal(new byte[] { 0, 1, 2, 255 }, back.GetBytes("bytes"));
        Assert.Equal(new[] { 1.5, -2.25, 1e300 }, back.GetDoubles("f64"));
        Assert.Equal(new[] { 0.5, 3.0 }, back.GetDoubles("f32"));
        Assert.True(back.GetBool("b", false));
    }

    [Fact]
    public void Encode_LargeJsonWithFragmentSize_ReassemblesInAnyOrder()
    {
        var msg = new RosMap { ["op"] = "publish", ["topic"] = "/big", ["msg"] = new RosMap { ["data"] = new string('x', 5000) + "ü€😀" } };
        var frames = RosbridgeCodec.Encode(msg, RosCompression.None, fragmentSize: 333, fragmentId: "f1");
        Assert.True(frames.Length > 10);
        var decoder = new RosbridgeDecoder();
        RosMap? whole = null;
        foreach (var f in frames.Reverse())
            whole = decoder.Decode(f.Data, f.Binary) ?? whole;
        Assert.NotNull(whole);
        Assert.Equal(msg.GetMap("msg").GetString("data"), whole!.GetMap("msg").GetString("data"));
    }

    [Fact]
    public void Encode_Png_DecodesBackToTheMessage()
    {
        var msg = new RosMap { ["op"] = "publish", ["topic"] = "/p", ["msg"] = new RosMap { ["data"] = "png-packed text" } };
        foreach (var fragment in new[] { 0, 50 })
        {
            var frames = RosbridgeCodec.Encode(msg, RosCompression.Png, fragment);
            var decoder = new RosbridgeDecoder();
            RosMap? back = null;
            foreach (var f in frames)
                back = decoder.Decode(f.Data, f.Binary);
            Assert.Equal("png-packed text", back!.GetMap("msg").GetString("data"));
        }
    }

    [Fact]
    public void Decode_InconsistentFragmentTotal_ThrowsProtocolError()
    {
        var d = new RosbridgeDecoder();
        Assert.Null(d.Decode(Encoding.UTF8.GetBytes("""{"op":"fragment","id":"a","data":"{","num":0,"total":3}"""), false));
        var e = Assert.Throws<RosbridgeProtocolException>(() => d.Decode(Encoding.UTF8.GetBytes("""{"op":"fragment","id":"a","data":"x","num":1,"total":4}"""), false));
        Assert.Equal("bad_fragment", e.Reason);
    }

    [Theory]
    [InlineData("""{"op":"publish","topic":5,"msg":{}}""", "bad_field")]
    [InlineData("""{"op":"subscribe","topic":"/a","compression":"zip"}""", "bad_compression")]
    [InlineData("""{"op":"warp"}""", "unknown_op")]
    [InlineData("""{"topic":"/a"}""", "missing_op")]
    [InlineData("""{"op":"publish","topic":"/a",""", "bad_json")]
    [InlineData("""[1,2]""", "bad_json")]
    [InlineData("""{"op":"fragment","data":"x","num":0,"total":1}""", "missing_field")]
    public void Parse_BadFrame_ThrowsWithReason(string json, string reason)
    {
        var e = Assert.Throws<RosbridgeProtocolException>(() => RosbridgeCodec.Parse(Encoding.UTF8.GetBytes(json), false));
        Assert.Equal(reason, e.Reason);
    }

    [Fact]
    public void Ros1Raw_JointState_RoundTrips()
    {
        var js = new JointState(new Header(new RosTime(12, 34), "base", 7), ["a", "b"], [0.1, 0.2], [1, 2], []);
        var bytes = Ros1Raw.Serialize("sensor_msgs/JointState", js.ToRos(RosDialect.Ros1));
        // seq(4) + stamp(8) + frame_id(4+4) + names(4 + 5 + 5) + position(4+16) + velocity(4+16) + effort(4)
        Assert.Equal(4 + 8 + 8 + 14 + 20 + 20 + 4, bytes.Length);
        var back = JointState.FromRos(Ros1Raw.Deserialize("sensor_msgs/msg/JointState", bytes));
        Assert.Equal(js.Name, back.Name);
        Assert.Equal(js.Position, back.Position);
        Assert.Equal(new RosTime(12, 34), back.Header.Stamp);
        Assert.Throws<RosbridgeProtocolException>(() => Ros1Raw.Deserialize("sensor_msgs/JointState", bytes.AsSpan(0, bytes.Length - 3)));
    }

    [Theory]
    [InlineData("sensor_msgs/Image", "sensor_msgs/msg/Image", true)]
    [InlineData("sensor_msgs/msg/Image", "sensor_msgs/msg/Image", true)]
    [InlineData("sensor_msgs/Image", "sensor_msgs/CompressedImage", false)]
    [InlineData("std_srvs/Trigger", "std_srvs/srv/Trigger", true)]
    public void SameType_Ros1AndRos2Spellings_Match(string a, string b, bool same) => Assert.Equal(same, RosTypeName.SameType(a, b));

    [Fact]
    public void EncodingPolicy_StringArrayTypes_AvoidCbor()
    {
        Assert.Equal(RosCompression.None, RosEncodingPolicy.For("sensor_msgs/JointState"));
        Assert.Equal(RosCompression.None, RosEncodingPolicy.For("trajectory_msgs/msg/JointTrajectory"));
        Assert.Equal(RosCompression.Cbor, RosEncodingPolicy.For("sensor_msgs/msg/Image"));
        Assert.Equal(RosCompression.Cbor, RosEncodingPolicy.For("std_msgs/Float64MultiArray"));
    }
}

public sealed class PythonJsonTests
{
    [Fact]
    public void Decode_PythonNonFiniteLiterals_ReadAsNaNOutsideStringsOnly()
    {
        var json = """{"op":"publish","topic":"/joint_states","msg":{"name":["NaN joint"],"position":[NaN, 1.5, Infinity, -Infinity],"frame":"a \"NaN\" b"}}"""u8;
        var m = JsonWire.Decode(json).GetMap("msg");
        var p = m.GetDoubles("position");
        Assert.True(double.IsNaN(p[0]));
        Assert.Equal(1.5, p[1]);
        Assert.True(double.IsNaN(p[2]) && double.IsNaN(p[3]));
        Assert.Equal(["NaN joint"], m.GetStrings("name"));
        Assert.Equal("a \"NaN\" b", m.GetString("frame"));
    }

    [Fact]
    public void Decode_TruncatedJsonWithNaN_StillRejected()
        => Assert.Throws<RosbridgeProtocolException>(() => JsonWire.Decode("""{"op":"publish","msg":{"x":NaN"""u8));
}
