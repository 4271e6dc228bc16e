using System.Formats.Cbor;

namespace Controller.Transports.Bus;

/// <summary>Converts the neutral tree (<see cref="BusTree"/>) to and from CBOR (RFC 8949). Stateless and thread-safe.</summary>
internal static class CborTree
{
    public static byte[] Encode(IReadOnlyDictionary<string, object?> map)
    {
        var w = new CborWriter(CborConformanceMode.Lax, convertIndefiniteLengthEncodings: false, allowMultipleRootLevelValues: false);
        WriteMap(w, map);
        return w.Encode();
    }

    public static Dictionary<string, object?> Decode(ReadOnlyMemory<byte> payload)
    {
        if (payload.Length == 0)
            throw BusTree.Bad("empty", "payload is empty");
        if (payload.Length > BusLimits.MaxPayloadBytes)
            throw BusTree.Bad("too_large", $"payload is {payload.Length} bytes, limit {BusLimits.MaxPayloadBytes}");
        var r = new CborReader(payload, CborConformanceMode.Lax);
        try
        {
            if (r.PeekState() != CborReaderState.StartMap)
                throw BusTree.Bad("not_a_map", $"top-level CBOR item is {r.PeekState()}, expected a map");
            var root = (Dictionary<string, object?>)Read(r, 0)!;
            if (r.BytesRemaining != 0)
                throw BusTree.Bad("trailing_bytes", $"{r.BytesRemaining} bytes after the top-level map");
            return root;
        }
        catch (CborContentException e)
        {
            throw BusTree.Bad("cbor_malformed", $"malformed CBOR: {e.Message}");
        }
        catch (InvalidOperationException e)
        {
            throw BusTree.Bad("cbor_malformed", $"malformed CBOR: {e.Message}");
        }
        catch (ArgumentException e)
        {
            throw BusTree.Bad("cbor_malformed", $"malformed CBOR: {e.Message}");
        }
        catch (OverflowException e)
        {
            throw BusTree.Bad("cbor_malformed", $"CBOR value out of range: {e.Message}");
        }
    }

    private static object? Read(CborReader r, int depth)
    {
        if (depth > BusLimits.MaxDepth)
            throw BusTree.Bad("too_deep", $"nesting deeper than {BusLimits.MaxDepth}");
        switch (r.PeekState())
        {
            case CborReaderState.StartMap:
            {
                var n = r.ReadStartMap();
                if (n > BusLimits.MaxElements)
                    throw BusTree.Bad("too_large", $"map of {n} entries");
                var map = new Dictionary<string, object?>(Math.Min(n ?? 8, 64), StringComparer.Ordinal);
                while (r.PeekState() != CborReaderState.EndMap)
                {
                    if (r.PeekState() != CborReaderState.TextString)
                        throw BusTree.Bad("bad_key", $"map key is {r.PeekState()}, expected text");
                    var key = ReadText(r);
                    if (!map.TryAdd(key, Read(r, depth + 1)))
                        throw BusTree.Bad("duplicate_key", $"key '{key}' appears twice");
                    if (map.Count > BusLimits.MaxElements)
                        throw BusTree.Bad("too_large", "map too large");
                }
                r.ReadEndMap();
                return map;
            }
            case CborReaderState.StartArray:
            {
                var n = r.ReadStartArray();
                if (n > BusLimits.MaxElements)
                    throw BusTree.Bad("too_large", $"array of {n} items");
                var list = new List<object?>(Math.Min(n ?? 8, 4096));
                while (r.PeekState() != CborReaderState.EndArray)
                {
                    list.Add(Read(r, depth + 1));
                    if (list.Count > BusLimits.MaxElements)
                        throw BusTree.Bad("too_large", "array too large");
                }
                r.ReadEndArray();
                return list.ToArray();
            }
            case CborReaderState.UnsignedInteger:
            case CborReaderState.NegativeInteger:
                return r.ReadInt64();
            case CborReaderState.HalfPrecisionFloat:
            case CborReaderState.SinglePrecisionFloat:
            case CborReaderState.DoublePrecisionFloat:
                return r.ReadDouble();
            case CborReaderState.TextString:
            case CborReaderState.StartIndefiniteLengthTextString:
                return ReadText(r);
            case CborReaderState.ByteString:
            case CborReaderState.StartIndefiniteLengthByteString:
                return r.ReadByteString();
            case CborReaderState.Boolean:
                return r.ReadBoolean();
            case CborReaderState.Null:
                r.ReadNull();
                return null;
            case var s:
                throw BusTree.Bad("unsupported_item", $"CBOR item {s} is not used by the bus");
        }
    }

    private static string ReadText(CborReader r)
    {
        var s = r.ReadTextString();
        return s.Length <= BusLimits.MaxStringLength ? s : throw BusTree.Bad("too_large", $"text of {s.Length} chars");
    }

    private static void WriteMap(CborWriter w, IReadOnlyDictionary<string, object?> map)
    {
        w.WriteStartMap(map.Count);
        foreach (var (k, v) in map)
        {
            w.WriteTextString(k);
            Write(w, v);
        }
        w.WriteEndMap();
    }

    private static void Write(CborWriter w, object? v)
    {
        switch (v)
        {
            case null: w.WriteNull(); break;
            case bool b: w.WriteBoolean(b); break;
            case int i: w.WriteInt64(i); break;
            case long l: w.WriteInt64(l); break;
            case double d: w.WriteDouble(d); break;
            case string s: w.WriteTextString(s); break;
            case byte[] bytes: w.WriteByteString(bytes); break;
            case ReadOnlyMemory<byte> mem: w.WriteByteString(mem.Span); break;
            case double[] ds:
                w.WriteStartArray(ds.Length);
                foreach (var d in ds)
                    w.WriteDouble(d);
                w.WriteEndArray();
                break;
            case int[] ints:
                w.WriteStartArray(ints.Length);
                foreach (var i in ints)
                    w.WriteInt64(i);
                w.WriteEndArray();
                break;
            case IReadOnlyDictionary<string, object?> m: WriteMap(w, m); break;
            case System.Collections.IList list:
                w.WriteStartArray(list.Count);
                foreach (var item in list)
                    Write(w, item);
                w.WriteEndArray();
                break;
            default: throw new ArgumentException($"cannot encode {v.GetType().Name}", nameof(v));
        }
    }
}
