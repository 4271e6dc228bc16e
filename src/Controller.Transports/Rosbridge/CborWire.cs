using System.Buffers.Binary;
using System.Formats.Cbor;
using System.Runtime.InteropServices;

namespace Controller.Transports.Rosbridge;

/// <summary>
/// The value tree as CBOR (System.Formats.Cbor). Homogeneous numeric arrays use the typed-array
/// tags rosbridge uses (draft-ietf-cbor-array-tags, little-endian): 69 uint16, 70 uint32, 71 uint64,
/// 72 int8, 77 int16, 78 int32, 79 int64, 85 float32, 86 float64; uint8[] is a plain byte string
/// (tag 64 is accepted on input). Stateless and thread-safe.
/// </summary>
public static class CborWire
{
    public const int MaxDepth = 64;

    public static byte[] Encode(RosMap root)
    {
        var w = new CborWriter(CborConformanceMode.Lax, convertIndefiniteLengthEncodings: false, allowMultipleRootLevelValues: false);
        WriteValue(w, root, 0);
        return w.Encode();
    }

    /// <summary>Parses one CBOR map; throws <see cref="RosbridgeProtocolException"/> ("bad_cbor") on anything else.</summary>
    public static RosMap Decode(ReadOnlyMemory<byte> data)
    {
        try
        {
            var r = new CborReader(data, CborConformanceMode.Lax, allowMultipleRootLevelValues: false);
            if (r.PeekState() != CborReaderState.StartMap)
                throw new RosbridgeProtocolException("bad_cbor", "a rosbridge CBOR frame must be a map");
            var map = (RosMap)ReadValue(r, 0)!;
            if (r.BytesRemaining != 0)
                throw new RosbridgeProtocolException("bad_cbor", $"{r.BytesRemaining} trailing bytes after the CBOR map");
            return map;
        }
        catch (CborContentException e)
        {
            throw new RosbridgeProtocolException("bad_cbor", $"not valid CBOR: {e.Message}", e);
        }
        catch (InvalidOperationException e)
        {
            throw new RosbridgeProtocolException("bad_cbor", $"not valid CBOR: {e.Message}", e);
        }
        catch (OverflowException e)
        {
            throw new RosbridgeProtocolException("bad_cbor", $"CBOR number out of range: {e.Message}", e);
        }
    }

    private static object? ReadValue(CborReader r, int depth)
    {
        if (depth > MaxDepth)
            throw new RosbridgeProtocolException("too_deep", $"CBOR nests deeper than {MaxDepth}");
        switch (r.PeekState())
        {
            case CborReaderState.StartMap:
            {
                var n = r.ReadStartMap();
                var map = n is int c ? new RosMap(Math.Min(c, 1024)) : new RosMap();
                while (r.PeekState() != CborReaderState.EndMap)
                {
                    var key = r.PeekState() == CborReaderState.TextString
                        ? r.ReadTextString()
                        : throw new RosbridgeProtocolException("bad_cbor", "CBOR map keys must be text strings");
                    map[key] = ReadValue(r, depth + 1);
                }
                r.ReadEndMap();
                return map;
            }
            case CborReaderState.StartArray:
            {
                var n = r.ReadStartArray();
                var list = new List<object?>(n is int c ? Math.Min(c, 4096) : 4);
                while (r.PeekState() != CborReaderState.EndArray)
                    list.Add(ReadValue(r, depth + 1));
                r.ReadEndArray();
                return list.ToArray();
            }
            case CborReaderState.TextString:
                return r.ReadTextString();
            case CborReaderState.StartIndefiniteLengthTextString:
                return r.ReadTextString();
            case CborReaderState.ByteString:
            case CborReaderState.StartIndefiniteLengthByteString:
                return r.ReadByteString();
            case CborReaderState.UnsignedInteger:
            {
                var u = r.ReadUInt64();
                return u <= long.MaxValue ? (object)(long)u : (double)u;
            }
            case CborReaderState.NegativeInteger:
                return r.ReadInt64();
            case CborReaderState.HalfPrecisionFloat:
            case CborReaderState.SinglePrecisionFloat:
            case CborReaderState.DoublePrecisionFloat:
                return r.ReadDouble();
            case CborReaderState.Boolean:
                return r.ReadBoolean();
            case CborReaderState.Null:
                r.ReadNull();
                return null;
            case CborReaderState.SimpleValue:
                r.ReadSimpleValue();
                return null;
            case CborReaderState.Tag:
            {
                var tag = (ulong)r.ReadTag();
                if (tag is >= 64 and <= 87 && r.PeekState() == CborReaderState.ByteString)
                    return TypedArray(tag, r.ReadByteString());
                return ReadValue(r, depth + 1); // unknown tag: keep the content, drop the tag
            }
            default:
                throw new RosbridgeProtocolException("bad_cbor", $"unexpected CBOR item {r.PeekState()}");
        }
    }

    private static object TypedArray(ulong tag, byte[] b)
    {
        // Big-endian tags (65-67, 73-75, 81-82) are accepted for robustness; rosbridge only sends little-endian.
        return tag switch
        {
            64 or 68 => b,
            72 => MemoryMarshal.Cast<byte, sbyte>(b).ToArray(),
            69 => Le<ushort>(b, 2),
            70 => Le<uint>(b, 4),
            71 => Le<ulong>(b, 8),
            77 => Le<short>(b, 2),
            78 => Le<int>(b, 4),
            79 => Le<long>(b, 8),
            85 => Le<float>(b, 4),
            86 => Le<double>(b, 8),
            81 => Be(b, 4, s => (double)BinaryPrimitives.ReadSingleBigEndian(s)),
            82 => Be(b, 8, BinaryPrimitives.ReadDoubleBigEndian),
            65 => Be(b, 2, s => (double)BinaryPrimitives.ReadUInt16BigEndian(s)),
            66 => Be(b, 4, s => (double)BinaryPrimitives.ReadUInt32BigEndian(s)),
            73 => Be(b, 2, s => (double)BinaryPrimitives.ReadInt16BigEndian(s)),
            74 => Be(b, 4, s => (double)BinaryPrimitives.ReadInt32BigEndian(s)),
            _ => throw new RosbridgeProtocolException("bad_cbor", $"unsupported typed-array tag {tag}"),
        };
    }

    private static T[] Le<T>(byte[] b, int size) where T : unmanaged
    {
        if (b.Length % size != 0)
            throw new RosbridgeProtocolException("bad_cbor", $"typed array of {b.Length} bytes is not a multiple of {size}");
        if (!BitConverter.IsLittleEndian)
            throw new PlatformNotSupportedException("big-endian hosts are not supported");
        return MemoryMarshal.Cast<byte, T>(b).ToArray();
    }

    private static double[] Be(byte[] b, int size, Func<ReadOnlySpan<byte>, double> read)
    {
        if (b.Length % size != 0)
            throw new RosbridgeProtocolException("bad_cbor", $"typed array of {b.Length} bytes is not a multiple of {size}");
        var d = new double[b.Length / size];
        for (var i = 0; i < d.Length; i++)
            d[i] = read(b.AsSpan(i * size, size));
        return d;
    }

    private static void WriteValue(CborWriter w, object? v, int depth)
    {
        if (depth > MaxDepth)
            throw new RosbridgeProtocolException("too_deep", $"value nests deeper than {MaxDepth}");
        switch (v)
        {
            case null: w.WriteNull(); break;
            case string s: w.WriteTextString(s); break;
            case Utf8Text t: w.WriteTextString(t.ToString()); break;
            case bool b: w.WriteBoolean(b); break;
            case long l: w.WriteInt64(l); break;
            case int i: w.WriteInt32(i); break;
            case double d: w.WriteDouble(d); break;
            case float f: w.WriteDouble(f); break;
            case byte[] bytes: w.WriteByteString(bytes); break;
            case double[] a: Tagged(w, 86, a); break;
            case float[] a: Tagged(w, 85, a); break;
            case int[] a: Tagged(w, 78, a); break;
            case uint[] a: Tagged(w, 70, a); break;
            case long[] a: Tagged(w, 79, a); break;
            case ulong[] a: Tagged(w, 71, a); break;
            case short[] a: Tagged(w, 77, a); break;
            case ushort[] a: Tagged(w, 69, a); break;
            case sbyte[] a: Tagged(w, 72, a); break;
            case RosMap m:
                w.WriteStartMap(m.Count);
                foreach (var (k, x) in m)
                {
                    w.WriteTextString(k);
                    WriteValue(w, x, depth + 1);
                }
                w.WriteEndMap();
                break;
            case object?[] arr:
                w.WriteStartArray(arr.Length);
                foreach (var x in arr)
                    WriteValue(w, x, depth + 1);
                w.WriteEndArray();
                break;
            case System.Collections.IEnumerable e:
                var items = e.Cast<object?>().ToArray();
                WriteValue(w, items, depth);
                break;
            default:
                throw new ArgumentException($"cannot encode {v.GetType().Name} in a rosbridge message", nameof(v));
        }
    }

    private static void Tagged<T>(CborWriter w, ulong tag, T[] values) where T : unmanaged
    {
        w.WriteTag((CborTag)tag);
        w.WriteByteString(MemoryMarshal.AsBytes(values.AsSpan()));
    }
}
