using System.Text.Json;

namespace Controller.Transports.Bus;

/// <summary>
/// Converts the neutral tree (<see cref="BusTree"/>) to and from JSON, the human/tool form of the bus.
/// Byte strings become base64 text; integers that fit in int64 stay integers. Stateless and thread-safe.
/// </summary>
internal static class JsonTree
{
    public static byte[] Encode(IReadOnlyDictionary<string, object?> map)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(256);
        using (var w = new Utf8JsonWriter(buffer))
            WriteMap(w, map);
        return buffer.WrittenSpan.ToArray();
    }

    public static Dictionary<string, object?> Decode(ReadOnlyMemory<byte> payload)
    {
        if (payload.Length == 0)
            throw BusTree.Bad("empty", "payload is empty");
        if (payload.Length > BusLimits.MaxPayloadBytes)
            throw BusTree.Bad("too_large", $"payload is {payload.Length} bytes, limit {BusLimits.MaxPayloadBytes}");
        try
        {
            using var doc = JsonDocument.Parse(payload, new JsonDocumentOptions { MaxDepth = BusLimits.MaxDepth + 1 });
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
                throw BusTree.Bad("not_a_map", $"top-level JSON value is {doc.RootElement.ValueKind}, expected an object");
            return (Dictionary<string, object?>)Read(doc.RootElement)!;
        }
        catch (JsonException e)
        {
            throw BusTree.Bad("json_malformed", $"malformed JSON: {e.Message}");
        }
    }

    private static object? Read(JsonElement e)
    {
        switch (e.ValueKind)
        {
            case JsonValueKind.Object:
            {
                var map = new Dictionary<string, object?>(StringComparer.Ordinal);
                foreach (var p in e.EnumerateObject())
                {
                    if (!map.TryAdd(p.Name, Read(p.Value)))
                        throw BusTree.Bad("duplicate_key", $"key '{p.Name}' appears twice");
                }
                return map;
            }
            case JsonValueKind.Array:
            {
                var n = e.GetArrayLength();
                if (n > BusLimits.MaxElements)
                    throw BusTree.Bad("too_large", $"array of {n} items");
                var items = new object?[n];
                var i = 0;
                foreach (var item in e.EnumerateArray())
                    items[i++] = Read(item);
                return items;
            }
            case JsonValueKind.Number:
                return e.TryGetInt64(out var l) ? (object)l : e.GetDouble();
            case JsonValueKind.String:
            {
                var s = e.GetString()!;
                // Base64 byte fields (frames) may be long; other text is bounded.
                return s.Length <= BusLimits.MaxPayloadBytes ? s : throw BusTree.Bad("too_large", $"text of {s.Length} chars");
            }
            case JsonValueKind.True: return true;
            case JsonValueKind.False: return false;
            case JsonValueKind.Null: return null;
            default: throw BusTree.Bad("unsupported_item", $"JSON value {e.ValueKind}");
        }
    }

    private static void WriteMap(Utf8JsonWriter w, IReadOnlyDictionary<string, object?> map)
    {
        w.WriteStartObject();
        foreach (var (k, v) in map)
        {
            w.WritePropertyName(k);
            Write(w, v);
        }
        w.WriteEndObject();
    }

    private static void Write(Utf8JsonWriter w, object? v)
    {
        switch (v)
        {
            case null: w.WriteNullValue(); break;
            case bool b: w.WriteBooleanValue(b); break;
            case int i: w.WriteNumberValue(i); break;
            case long l: w.WriteNumberValue(l); break;
            case double d: w.WriteNumberValue(d); break;
            case string s: w.WriteStringValue(s); break;
            case byte[] bytes: w.WriteBase64StringValue(bytes); break;
            case ReadOnlyMemory<byte> mem: w.WriteBase64StringValue(mem.Span); break;
            case double[] ds:
                w.WriteStartArray();
                foreach (var d in ds)
                    w.WriteNumberValue(d);
                w.WriteEndArray();
                break;
            case int[] ints:
                w.WriteStartArray();
                foreach (var i in ints)
                    w.WriteNumberValue(i);
                w.WriteEndArray();
                break;
            case IReadOnlyDictionary<string, object?> m: WriteMap(w, m); break;
            case System.Collections.IList list:
                w.WriteStartArray();
                foreach (var item in list)
                    Write(w, item);
                w.WriteEndArray();
                break;
            default: throw new ArgumentException($"cannot encode {v.GetType().Name}", nameof(v));
        }
    }
}
