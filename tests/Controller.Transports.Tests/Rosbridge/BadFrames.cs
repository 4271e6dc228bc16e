using System.Formats.Cbor;
using System.Text;
using Controller.Transports.Rosbridge;

namespace Controller.Transports.Tests.Rosbridge;

/// <summary>A seeded generator of malformed rosbridge frames: truncated JSON, wrong field types, unknown ops, invalid CBOR, bad fragments, bombs.</summary>
internal static class BadFrames
{
    private static readonly string[] ValidJson =
    [
        """{"op":"publish","topic":"/joint_states","msg":{"name":["a"],"position":[1.0]}}""",
        """{"op":"subscribe","id":"s1","topic":"/camera","type":"sensor_msgs/msg/Image","compression":"cbor","throttle_rate":10}""",
        """{"op":"call_service","id":"c1","service":"/sim/reset","args":{},"timeout":1.5}""",
        """{"op":"send_action_goal","id":"g1","action":"/fjt","action_type":"control_msgs/action/FollowJointTrajectory","args":{"trajectory":{}},"feedback":true}""",
        """{"op":"advertise","topic":"/cmd","type":"std_msgs/msg/Float64MultiArray"}""",
        """{"op":"fragment","id":"f","data":"{\"op\":","num":0,"total":2}""",
        """{"op":"set_level","level":"info"}""",
        """{"op":"auth","mac":"x","client":"a","dest":"b","rand":"r","t":1,"level":"admin","end":2}""",
    ];

    private static readonly string[] Fields = ["op", "id", "topic", "type", "msg", "service", "args", "num", "total", "data", "compression", "level", "action", "throttle_rate"];

    public static IEnumerable<(byte[] Data, bool Binary, string Kind)> Generate(int count, int seed)
    {
        var rng = new Random(seed);
        for (var i = 0; i < count; i++)
            yield return (i % 10) switch
            {
                0 => Truncated(rng),
                1 => WrongType(rng),
                2 => Text($$"""{"op":"{{RandomWord(rng)}}","id":"{{i}}"}""", "unknown_op"),
                3 => (RandomBytes(rng), true, "random_cbor"),
                4 => (TruncatedCbor(rng), true, "truncated_cbor"),
                5 => BadFragment(rng, i),
                6 => Text(new string('[', rng.Next(65, 400)), "deep"),
                7 => (Garbage(rng), false, "garbage_text"),
                8 => CborNotAMap(rng),
                _ => BadPng(rng),
            };
    }

    private static (byte[], bool, string) Text(string s, string kind) => (Encoding.UTF8.GetBytes(s), false, kind);

    private static string RandomWord(Random rng) => new([.. Enumerable.Range(0, rng.Next(1, 12)).Select(_ => (char)rng.Next('a', 'z' + 1))]);

    private static (byte[], bool, string) Truncated(Random rng)
    {
        var s = ValidJson[rng.Next(ValidJson.Length)];
        return Text(s[..rng.Next(0, s.Length - 1)], "truncated_json");
    }

    private static (byte[], bool, string) WrongType(Random rng)
    {
        var s = ValidJson[rng.Next(ValidJson.Length)];
        var field = Fields[rng.Next(Fields.Length)];
        object?[] values = ["1", 1, -3, 1.5, true, null, new object[] { 1 }, new Dictionary<string, int> { ["x"] = 1 }, "", long.MaxValue, 1e308];
        var map = JsonWire.Decode(Encoding.UTF8.GetBytes(s));
        map[field] = values[rng.Next(values.Length)] switch
        {
            int v => (long)v,
            Dictionary<string, int> => new RosMap { ["x"] = 1L },
            object[] => new object?[] { 1L },
            var v => v,
        };
        return (JsonWire.Encode(map), false, "wrong_type");
    }

    private static byte[] RandomBytes(Random rng)
    {
        var b = new byte[rng.Next(0, 64)];
        rng.NextBytes(b);
        return b;
    }

    private static byte[] TruncatedCbor(Random rng)
    {
        var w = new CborWriter();
        w.WriteStartMap(3);
        w.WriteTextString("op");
        w.WriteTextString("publish");
        w.WriteTextString("topic");
        w.WriteTextString("/camera");
        w.WriteTextString("msg");
        w.WriteStartMap(1);
        w.WriteTextString("data");
        w.WriteTag((CborTag)86);
        w.WriteByteString(new byte[rng.Next(1, 40)]); // often not a multiple of 8
        w.WriteEndMap();
        w.WriteEndMap();
        var full = w.Encode();
        if (rng.Next(3) == 0)
        {
            // declare an absurd byte-string length
            return [0xA1, 0x62, (byte)'o', (byte)'p', 0x5B, 0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF];
        }
        return full[..rng.Next(0, full.Length)];
    }

    private static (byte[], bool, string) CborNotAMap(Random rng)
    {
        var w = new CborWriter();
        switch (rng.Next(3))
        {
            case 0:
                w.WriteStartArray(1);
                w.WriteInt32(1);
                w.WriteEndArray();
                break;
            case 1:
                w.WriteStartMap(1);
                w.WriteInt32(5); // non-text key
                w.WriteInt32(5);
                w.WriteEndMap();
                break;
            default:
                w.WriteStartMap(2);
                w.WriteTextString("op");
                w.WriteTextString("publish");
                w.WriteTextString("topic");
                w.WriteTag((CborTag)86);
                w.WriteByteString(new byte[16]);
                w.WriteEndMap();
                break;
        }
        return (w.Encode(), true, "cbor_shape");
    }

    private static (byte[], bool, string) BadFragment(Random rng, int i) => rng.Next(6) switch
    {
        0 => Text($$"""{"op":"fragment","id":"h{{i}}","data":"x","num":0,"total":1000000000}""", "huge_total"),
        1 => Text($$"""{"op":"fragment","id":"n{{i}}","data":"x","num":5,"total":2}""", "num_out_of_range"),
        2 => Text($$"""{"op":"fragment","id":"same","data":"x","num":0,"total":{{rng.Next(2, 9)}}}""", "inconsistent_total"),
        3 => Text($$"""{"op":"fragment","id":"m{{i}}","data":"x","num":-1,"total":3}""", "negative_num"),
        4 => Text($$"""{"op":"fragment","id":"z{{i}}","data":"{not json","num":0,"total":1}""", "fragment_bad_json"),
        _ => Text($$"""{"op":"fragment","id":"k{{i}}","data":"{{new string('y', rng.Next(1, 5000))}}","num":0,"total":{{rng.Next(2, 50)}}}""", "many_pending"),
    };

    private static byte[] Garbage(Random rng)
    {
        var b = new byte[rng.Next(1, 80)];
        rng.NextBytes(b);
        b[0] = (byte)'{';
        return b;
    }

    private static (byte[], bool, string) BadPng(Random rng) => rng.Next(3) switch
    {
        0 => Text("""{"op":"png","data":"not base64!!"}""", "png_base64"),
        1 => Text($$"""{"op":"png","data":"{{Convert.ToBase64String(RandomBytes(rng))}}"}""", "png_garbage"),
        _ => Text("""{"op":"png","data":"iVBORw0KGgoAAAANSUhEUgAAF/8AABf/CAIAAAA="}""", "png_bomb_header"),
    };
}
