using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Controller.Transports.Rosbridge;

/// <summary>
/// The value tree as JSON (System.Text.Json, no reflection). uint8[] goes out as base64, as
/// rosbridge does; NaN/Infinity, which JSON cannot carry, go out as null. Stateless and thread-safe.
/// </summary>
public static class JsonWire
{
    /// <summary>Deepest nesting accepted from the wire; deeper frames are rejected, not recursed into.</summary>
    public const int MaxDepth = 64;

    // Relaxed escaping: base64 '+' and '/' stay one byte each (the default encoder would write \u002B).
    private static readonly JsonWriterOptions WriterOptions = new() { SkipValidation = true, Indented = false, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static byte[] Encode(RosMap root)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var w = new Utf8JsonWriter(buffer, WriterOptions))
            WriteValue(w, root, 0);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>
    /// Parses one JSON object; throws <see cref="RosbridgeProtocolException"/> ("bad_json") on anything else.
    /// Python's rosbridge writes bare NaN / Infinity / -Infinity for non-finite floats (not JSON); such a
    /// frame is parsed again with those tokens read as null, which the typed getters turn into NaN.
    /// </summary>
    public static RosMap Decode(ReadOnlySpan<byte> utf8)
    {
        try
        {
            return DecodeStrict(utf8);
        }
        catch (RosbridgeProtocolException) when (NullNonFinite(utf8) is { } patched)
        {
            return DecodeStrict(patched);
        }
    }

    /// <summary>Copies the text with bare NaN, Infinity and -Infinity (outside strings) replaced by null; null when there are none.</summary>
    internal static byte[]? NullNonFinite(ReadOnlySpan<byte> utf8)
    {
        List<byte>? output = null;
        var inString = false;
        for (var i = 0; i < utf8.Length; i++)
        {
            var c = utf8[i];
            if (inString)
            {
                if (c == '\\')
                {
                    output?.Add(c);
                    if (i + 1 < utf8.Length)
                        output?.Add(utf8[++i]);
                    continue;
                }
                if (c == '"')
                    inString = false;
            }
            else if (c == '"')
            {
                inString = true;
            }
            else
            {
                var token = utf8[i..].StartsWith("NaN"u8) ? 3 : utf8[i..].StartsWith("Infinity"u8) ? 8 : utf8[i..].StartsWith("-Infinity"u8) ? 9 : 0;
                if (token > 0)
                {
                    output ??= [.. utf8[..i]];
                    output.AddRange("null"u8);
                    i += token - 1;
                    continue;
                }
            }
            output?.Add(c);
        }
        return output?.ToArray();
    }

    private static RosMap DecodeStrict(ReadOnlySpan<byte> utf8)
    {
        try
        {
            var r = new Utf8JsonReader(utf8, new JsonReaderOptions { MaxDepth = MaxDepth, CommentHandling = JsonCommentHandling.Disallow });
            if (!r.Read() || r.TokenType != JsonTokenType.StartObject)
                throw new RosbridgeProtocolException("bad_json", "a rosbridge frame must be a JSON object");
            var map = ReadObject(ref r);
            if (r.Read())
                throw new RosbridgeProtocolException("bad_json", "trailing data after the JSON object");
            return map;
        }
        catch (JsonException e)
        {
            throw new RosbridgeProtocolException("bad_json", $"not valid JSON: {e.Message}", e);
        }
        catch (InvalidOperationException e)
        {
            throw new RosbridgeProtocolException("bad_json", $"not valid JSON: {e.Message}", e);
        }
    }

    private static RosMap ReadObject(ref Utf8JsonReader r)
    {
        var map = new RosMap();
        while (r.Read())
        {
            if (r.TokenType == JsonTokenType.EndObject)
                return map;
            var key = r.GetString()!;
            r.Read();
            map[key] = ReadValue(ref r);
        }
        throw new RosbridgeProtocolException("bad_json", "JSON object is not closed");
    }

    private static object? ReadValue(ref Utf8JsonReader r)
    {
        switch (r.TokenType)
        {
            case JsonTokenType.StartObject:
                return ReadObject(ref r);
            case JsonTokenType.StartArray:
                var list = new List<object?>();
                while (r.Read() && r.TokenType != JsonTokenType.EndArray)
                    list.Add(ReadValue(ref r));
                return list.ToArray();
            case JsonTokenType.String:
                // long unescaped strings (base64 blobs) stay UTF-8; see Utf8Text
                if (!r.ValueIsEscaped && !r.HasValueSequence && r.ValueSpan.Length >= Utf8Text.Threshold)
                    return new Utf8Text(r.ValueSpan.ToArray());
                return r.GetString();
            case JsonTokenType.Number:
                return r.TryGetInt64(out var l) ? l : r.GetDouble();
            case JsonTokenType.True:
                return true;
            case JsonTokenType.False:
                return false;
            case JsonTokenType.Null:
                return null;
            default:
                throw new RosbridgeProtocolException("bad_json", $"unexpected JSON token {r.TokenType}");
        }
    }

    private static void WriteValue(Utf8JsonWriter w, object? v, int depth)
    {
        if (depth > MaxDepth)
            throw new RosbridgeProtocolException("too_deep", $"value nests deeper than {MaxDepth}");
        switch (v)
        {
            case null:
                w.WriteNullValue();
                break;
            case string s:
                w.WriteStringValue(s);
                break;
            case Utf8Text t:
                w.WriteStringValue(t.Utf8);
                break;
            case bool b:
                w.WriteBooleanValue(b);
                break;
            case long l:
                w.WriteNumberValue(l);
                break;
            case int i:
                w.WriteNumberValue(i);
                break;
            case double d:
                WriteDouble(w, d);
                break;
            case float f:
                WriteDouble(w, f);
                break;
            case byte[] bytes:
                w.WriteBase64StringValue(bytes);
                break;
            case RosMap m:
                w.WriteStartObject();
                foreach (var (k, x) in m)
                {
                    w.WritePropertyName(k);
                    WriteValue(w, x, depth + 1);
                }
                w.WriteEndObject();
                break;
            case double[] ds:
                w.WriteStartArray();
                foreach (var d in ds)
                    WriteDouble(w, d);
                w.WriteEndArray();
                break;
            case float[] fs:
                w.WriteStartArray();
                foreach (var f in fs)
                    WriteDouble(w, f);
                w.WriteEndArray();
                break;
            case int[] ints:
                w.WriteStartArray();
                foreach (var i in ints)
                    w.WriteNumberValue(i);
                w.WriteEndArray();
                break;
            case System.Collections.IEnumerable e:
                w.WriteStartArray();
                foreach (var x in e)
                    WriteValue(w, x, depth + 1);
                w.WriteEndArray();
                break;
            default:
                throw new ArgumentException($"cannot encode {v.GetType().Name} in a rosbridge message", nameof(v));
        }
    }

    private static void WriteDouble(Utf8JsonWriter w, double d)
    {
        if (double.IsFinite(d))
            w.WriteNumberValue(d);
        else
            w.WriteNullValue();
    }
}
