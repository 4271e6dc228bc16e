using System.Buffers.Binary;
using System.Text;

namespace Controller.Transports.Rosbridge;

/// <summary>
/// ROS 1 binary serialization (the format of bag files) for the message types this controller
/// exchanges, used by <c>cbor-raw</c>: the publish op then carries <c>msg = {secs, nsecs, bytes}</c>.
/// Supported: std_msgs/Header, String, Bool, Float64MultiArray; sensor_msgs/JointState, Image,
/// CompressedImage; trajectory_msgs/JointTrajectory. Little-endian; lengths are uint32. Thread-safe.
/// </summary>
public static class Ros1Raw
{
    private enum Kind { U8, Bool, U32, F64, Str, Time, Duration, Bytes, F64s, Strs, Msg, Msgs }

    private sealed record Field(string Name, Kind Kind, Field[]? Sub = null);

    private static readonly Field[] Header = [new("seq", Kind.U32), new("stamp", Kind.Time), new("frame_id", Kind.Str)];
    private static readonly Field[] Point =
        [new("positions", Kind.F64s), new("velocities", Kind.F64s), new("accelerations", Kind.F64s), new("effort", Kind.F64s), new("time_from_start", Kind.Duration)];
    private static readonly Field[] Dim = [new("label", Kind.Str), new("size", Kind.U32), new("stride", Kind.U32)];

    private static readonly Dictionary<string, Field[]> Schemas = new(StringComparer.Ordinal)
    {
        ["std_msgs/String"] = [new("data", Kind.Str)],
        ["std_msgs/Bool"] = [new("data", Kind.Bool)],
        ["std_msgs/Float64MultiArray"] = [new("layout", Kind.Msg, [new("dim", Kind.Msgs, Dim), new("data_offset", Kind.U32)]), new("data", Kind.F64s)],
        ["sensor_msgs/JointState"] = [new("header", Kind.Msg, Header), new("name", Kind.Strs), new("position", Kind.F64s), new("velocity", Kind.F64s), new("effort", Kind.F64s)],
        ["sensor_msgs/Image"] =
            [new("header", Kind.Msg, Header), new("height", Kind.U32), new("width", Kind.U32), new("encoding", Kind.Str), new("is_bigendian", Kind.U8), new("step", Kind.U32), new("data", Kind.Bytes)],
        ["sensor_msgs/CompressedImage"] = [new("header", Kind.Msg, Header), new("format", Kind.Str), new("data", Kind.Bytes)],
        ["trajectory_msgs/JointTrajectory"] = [new("header", Kind.Msg, Header), new("joint_names", Kind.Strs), new("points", Kind.Msgs, Point)],
    };

    public static bool Supports(string type) => Schemas.ContainsKey(Key(type));

    private static string Key(string type)
    {
        var t = RosTypeName.Parse(type);
        return $"{t.Package}/{t.Name}";
    }

    /// <summary>Serializes a message tree of <paramref name="type"/>; throws <see cref="NotSupportedException"/> for other types.</summary>
    public static byte[] Serialize(string type, RosMap msg)
    {
        if (!Schemas.TryGetValue(Key(type), out var schema))
            throw new NotSupportedException($"cbor-raw: no ROS 1 serializer for {type}");
        using var ms = new MemoryStream();
        using var w = new BinaryWriter(ms, Encoding.UTF8);
        Write(w, schema, msg);
        w.Flush();
        return ms.ToArray();
    }

    /// <summary>Parses ROS 1 bytes of <paramref name="type"/> into a ROS 1-spelled tree; throws <see cref="RosbridgeProtocolException"/> on short or bad data.</summary>
    public static RosMap Deserialize(string type, ReadOnlySpan<byte> bytes)
    {
        if (!Schemas.TryGetValue(Key(type), out var schema))
            throw new NotSupportedException($"cbor-raw: no ROS 1 deserializer for {type}");
        var pos = 0;
        try
        {
            var m = Read(bytes, ref pos, schema);
            return pos == bytes.Length ? m : throw new RosbridgeProtocolException("bad_raw", $"cbor-raw {type}: {bytes.Length - pos} trailing bytes");
        }
        catch (ArgumentOutOfRangeException e)
        {
            throw new RosbridgeProtocolException("bad_raw", $"cbor-raw {type}: message is truncated", e);
        }
    }

    private static void Write(BinaryWriter w, Field[] schema, RosMap m)
    {
        foreach (var f in schema)
        {
            switch (f.Kind)
            {
                case Kind.U8: w.Write((byte)m.GetLong(f.Name, 0)); break;
                case Kind.Bool: w.Write((byte)(m.GetBool(f.Name, false) ? 1 : 0)); break;
                case Kind.U32: w.Write((uint)m.GetLong(f.Name, 0)); break;
                case Kind.F64: w.Write(m.GetDouble(f.Name, 0)); break;
                case Kind.Str: WriteString(w, m.GetStringOrNull(f.Name) ?? ""); break;
                case Kind.Time or Kind.Duration:
                    var t = Messages.RosTime.FromRos(m.GetMapOrNull(f.Name));
                    w.Write(t.Sec);
                    w.Write(t.Nanosec);
                    break;
                case Kind.Bytes:
                    var b = m.GetBytes(f.Name);
                    w.Write((uint)b.Length);
                    w.Write(b);
                    break;
                case Kind.F64s:
                    var d = m.GetDoubles(f.Name);
                    w.Write((uint)d.Length);
                    foreach (var x in d)
                        w.Write(x);
                    break;
                case Kind.Strs:
                    var s = m.GetStrings(f.Name);
                    w.Write((uint)s.Length);
                    foreach (var x in s)
                        WriteString(w, x);
                    break;
                case Kind.Msg:
                    Write(w, f.Sub!, m.GetMapOrNull(f.Name) ?? []);
                    break;
                case Kind.Msgs:
                    var items = m.GetArray(f.Name);
                    w.Write((uint)items.Length);
                    foreach (var x in items)
                        Write(w, f.Sub!, x as RosMap ?? throw new RosbridgeProtocolException("bad_field", $"field '{f.Name}' must hold objects"));
                    break;
            }
        }
    }

    private static void WriteString(BinaryWriter w, string s)
    {
        var b = Encoding.UTF8.GetBytes(s);
        w.Write((uint)b.Length);
        w.Write(b);
    }

    private static RosMap Read(ReadOnlySpan<byte> b, ref int pos, Field[] schema)
    {
        var m = new RosMap(schema.Length);
        foreach (var f in schema)
        {
            switch (f.Kind)
            {
                case Kind.U8: m[f.Name] = (long)b[pos++]; break;
                case Kind.Bool: m[f.Name] = b[pos++] != 0; break;
                case Kind.U32: m[f.Name] = (long)U32(b, ref pos); break;
                case Kind.F64: m[f.Name] = BinaryPrimitives.ReadDoubleLittleEndian(b.Slice(Take(ref pos, 8, b), 8)); break;
                case Kind.Str: m[f.Name] = Str(b, ref pos); break;
                case Kind.Time or Kind.Duration:
                    var sec = (int)U32(b, ref pos);
                    m[f.Name] = new RosMap { ["secs"] = (long)sec, ["nsecs"] = (long)U32(b, ref pos) };
                    break;
                case Kind.Bytes:
                    var n = Len(b, ref pos, 1);
                    m[f.Name] = b.Slice(Take(ref pos, n, b), n).ToArray();
                    break;
                case Kind.F64s:
                    var k = Len(b, ref pos, 8);
                    var d = new double[k];
                    for (var i = 0; i < k; i++)
                        d[i] = BinaryPrimitives.ReadDoubleLittleEndian(b.Slice(Take(ref pos, 8, b), 8));
                    m[f.Name] = d;
                    break;
                case Kind.Strs:
                    var c = Len(b, ref pos, 4);
                    var s = new object?[c];
                    for (var i = 0; i < c; i++)
                        s[i] = Str(b, ref pos);
                    m[f.Name] = s;
                    break;
                case Kind.Msg:
                    m[f.Name] = Read(b, ref pos, f.Sub!);
                    break;
                case Kind.Msgs:
                    var count = Len(b, ref pos, 4);
                    var items = new object?[count];
                    for (var i = 0; i < count; i++)
                        items[i] = Read(b, ref pos, f.Sub!);
                    m[f.Name] = items;
                    break;
            }
        }
        return m;
    }

    private static uint U32(ReadOnlySpan<byte> b, ref int pos) => BinaryPrimitives.ReadUInt32LittleEndian(b.Slice(Take(ref pos, 4, b), 4));

    /// <summary>Reads a length prefix and checks that many elements of <paramref name="elementSize"/> bytes can still follow.</summary>
    private static int Len(ReadOnlySpan<byte> b, ref int pos, int elementSize)
    {
        var n = U32(b, ref pos);
        if ((long)n * elementSize > b.Length - pos)
            throw new RosbridgeProtocolException("bad_raw", $"cbor-raw: length {n} runs past the end of the message");
        return (int)n;
    }

    private static string Str(ReadOnlySpan<byte> b, ref int pos)
    {
        var n = Len(b, ref pos, 1);
        return Encoding.UTF8.GetString(b.Slice(Take(ref pos, n, b), n));
    }

    private static int Take(ref int pos, int n, ReadOnlySpan<byte> b)
    {
        if (pos + n > b.Length)
            throw new RosbridgeProtocolException("bad_raw", "cbor-raw: message is truncated");
        var start = pos;
        pos += n;
        return start;
    }
}
