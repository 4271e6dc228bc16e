using System.Globalization;

namespace Controller.Transports.Rosbridge;

/// <summary>
/// One node of the wire-neutral value tree that JSON and CBOR both decode into and encode from.
/// Values are: null, bool, long, double, string, byte[] (uint8[]), other primitive arrays
/// (double[], float[], int[], ...), object?[] (arrays of anything) and nested <see cref="RosMap"/>.
/// The typed getters throw <see cref="RosbridgeProtocolException"/> naming the field, so a bad
/// frame becomes a clear status error instead of an InvalidCastException. Not thread-safe.
/// </summary>
public sealed class RosMap : Dictionary<string, object?>
{
    public RosMap() : base(StringComparer.Ordinal) { }

    public RosMap(int capacity) : base(capacity, StringComparer.Ordinal) { }

    public bool Has(string key) => TryGetValue(key, out var v) && v is not null;

    public string GetString(string key)
        => TryGetValue(key, out var v) ? v switch
        {
            string s => s,
            Utf8Text t => t.ToString(),
            _ => throw Bad(key, "a string", v),
        } : throw Bad(key, "a string", null);

    public string? GetStringOrNull(string key)
        => TryGetValue(key, out var v) ? v switch
        {
            null => null,
            string s => s,
            Utf8Text t => t.ToString(),
            _ => throw Bad(key, "a string", v),
        } : null;

    /// <summary>The rosbridge "id" field, which may be a string or an integer.</summary>
    public string? GetId()
        => TryGetValue("id", out var v) ? v switch
        {
            null => null,
            string s => s,
            long l => l.ToString(CultureInfo.InvariantCulture),
            double d when d == Math.Floor(d) => ((long)d).ToString(CultureInfo.InvariantCulture),
            _ => throw Bad("id", "a string or an integer", v),
        } : null;

    public long GetLong(string key, long fallback)
        => TryGetValue(key, out var v) ? v switch
        {
            null => fallback,
            long l => l,
            double d when d == Math.Floor(d) && double.IsFinite(d) => (long)d,
            _ => throw Bad(key, "an integer", v),
        } : fallback;

    public long GetLong(string key)
        => Has(key) ? GetLong(key, 0) : throw Bad(key, "an integer", null);

    public double GetDouble(string key, double fallback)
        => TryGetValue(key, out var v) ? v switch
        {
            null => fallback,
            long l => l,
            double d => d,
            _ => throw Bad(key, "a number", v),
        } : fallback;

    public bool GetBool(string key, bool fallback)
        => TryGetValue(key, out var v) ? v switch
        {
            null => fallback,
            bool b => b,
            long l => l != 0,
            _ => throw Bad(key, "a boolean", v),
        } : fallback;

    public RosMap GetMap(string key)
        => TryGetValue(key, out var v) && v is RosMap m ? m : throw Bad(key, "an object", v);

    public RosMap? GetMapOrNull(string key)
        => TryGetValue(key, out var v) ? v switch
        {
            null => null,
            RosMap m => m,
            _ => throw Bad(key, "an object", v),
        } : null;

    /// <summary>An array field of anything (object?[]); typed arrays are boxed element-wise.</summary>
    public object?[] GetArray(string key)
        => TryGetValue(key, out var v) ? v switch
        {
            null => [],
            object?[] a => a,
            Array a => [.. a.Cast<object?>()],
            _ => throw Bad(key, "an array", v),
        } : [];

    /// <summary>uint8[] as bytes: accepts a CBOR byte string, a base64 JSON string or a list of numbers.</summary>
    public byte[] GetBytes(string key)
    {
        if (!TryGetValue(key, out var v) || v is null)
            return [];
        switch (v)
        {
            case byte[] b:
                return b;
            case Utf8Text t:
                return t.TryDecodeBase64() ?? throw new RosbridgeProtocolException("bad_field", $"field '{key}' is not valid base64");
            case string s:
                try
                {
                    return Convert.FromBase64String(s);
                }
                catch (FormatException e)
                {
                    throw new RosbridgeProtocolException("bad_field", $"field '{key}' is not valid base64 ({e.Message})", e);
                }
            case object?[] a:
                var bytes = new byte[a.Length];
                for (var i = 0; i < a.Length; i++)
                    bytes[i] = a[i] is long l && l is >= 0 and <= 255 ? (byte)l : throw Bad($"{key}[{i}]", "a byte (0..255)", a[i]);
                return bytes;
            default:
                throw Bad(key, "a byte array", v);
        }
    }

    /// <summary>float64[]: accepts a typed array (CBOR tag), or a list of numbers (JSON; null means NaN).</summary>
    public double[] GetDoubles(string key)
    {
        if (!TryGetValue(key, out var v) || v is null)
            return [];
        return v switch
        {
            double[] d => d,
            float[] f => [.. f.Select(x => (double)x)],
            int[] i => [.. i.Select(x => (double)x)],
            long[] l => [.. l.Select(x => (double)x)],
            object?[] a => ToDoubles(key, a),
            _ => throw Bad(key, "an array of numbers", v),
        };
    }

    public string[] GetStrings(string key)
    {
        var a = GetArray(key);
        var s = new string[a.Length];
        for (var i = 0; i < a.Length; i++)
            s[i] = a[i] switch
            {
                string x => x,
                Utf8Text t => t.ToString(),
                _ => throw Bad($"{key}[{i}]", "a string", a[i]),
            };
        return s;
    }

    private static double[] ToDoubles(string key, object?[] a)
    {
        var d = new double[a.Length];
        for (var i = 0; i < a.Length; i++)
            d[i] = a[i] switch
            {
                double x => x,
                long x => x,
                null => double.NaN,
                _ => throw Bad($"{key}[{i}]", "a number", a[i]),
            };
        return d;
    }

    private static RosbridgeProtocolException Bad(string key, string expected, object? got)
        => new("bad_field", $"field '{key}' must be {expected}, got {Describe(got)}");

    internal static string Describe(object? v) => v switch
    {
        null => "nothing",
        string or Utf8Text => "a string",
        bool => "a boolean",
        long or double => "a number",
        byte[] => "bytes",
        RosMap => "an object",
        Array => "an array",
        _ => v.GetType().Name,
    };
}
