namespace Controller.Transports.Bus;

/// <summary>
/// Typed, validating reads from one decoded map. Every failure is a <see cref="BusDecodeException"/> naming the
/// field path, with reason "missing_field", "bad_type" or "bad_value". Not thread-safe (one per decode).
/// </summary>
internal sealed class BusFields(Dictionary<string, object?> map, string path = "")
{
    private string P(string key) => path.Length == 0 ? key : $"{path}.{key}";

    private object Get(string key) =>
        map.TryGetValue(key, out var v) && v is not null ? v : throw new BusDecodeException("missing_field", $"field '{P(key)}' is missing");

    public bool Has(string key) => map.TryGetValue(key, out var v) && v is not null;

    private BusDecodeException Type(string key, string expected) =>
        new("bad_type", $"field '{P(key)}' must be {expected}, got {Describe(map.GetValueOrDefault(key))}");

    public BusDecodeException Value(string key, string why) => new("bad_value", $"field '{P(key)}' {why}");

    private static string Describe(object? v) => v switch
    {
        null => "null",
        object?[] a => $"array[{a.Length}]",
        Dictionary<string, object?> => "map",
        _ => v.GetType().Name.ToLowerInvariant(),
    };

    public long Long(string key, long min = long.MinValue, long max = long.MaxValue)
    {
        var v = Get(key) switch
        {
            long l => l,
            double d when d == Math.Floor(d) && Math.Abs(d) < 9e15 => (long)d,
            _ => throw Type(key, "an integer"),
        };
        return v >= min && v <= max ? v : throw Value(key, $"must be in [{min}, {max}], got {v}");
    }

    public int Int(string key, int min = int.MinValue, int max = int.MaxValue) => (int)Long(key, min, max);

    public double Double(string key)
    {
        var v = Get(key) switch
        {
            double d => d,
            long l => l,
            _ => throw Type(key, "a number"),
        };
        return double.IsFinite(v) ? v : throw Value(key, "must be finite");
    }

    public bool Bool(string key) => Get(key) is bool b ? b : throw Type(key, "a boolean");

    public string Text(string key, bool allowEmpty = false)
    {
        var s = Get(key) as string ?? throw Type(key, "text");
        if (!allowEmpty && string.IsNullOrWhiteSpace(s))
            throw Value(key, "must not be empty");
        return s.Length <= BusLimits.MaxStringLength ? s : throw Value(key, $"is {s.Length} chars, limit {BusLimits.MaxStringLength}");
    }

    public string TextOr(string key, string fallback) => Has(key) ? Text(key, allowEmpty: true) : fallback;

    /// <summary>A byte string; the JSON form carries it as base64 text.</summary>
    public byte[] Bytes(string key)
    {
        switch (Get(key))
        {
            case byte[] b:
                return b;
            case string s:
                try
                {
                    return Convert.FromBase64String(s);
                }
                catch (FormatException)
                {
                    throw Value(key, "is not valid base64");
                }
            default:
                throw Type(key, "bytes (base64 text in JSON)");
        }
    }

    private object?[] Array(string key, int maxLength) =>
        Get(key) is object?[] a
            ? a.Length <= maxLength ? a : throw Value(key, $"has {a.Length} items, limit {maxLength}")
            : throw Type(key, "an array");

    public double[] Doubles(string key, int maxLength = 4096)
    {
        var a = Array(key, maxLength);
        var result = new double[a.Length];
        for (var i = 0; i < a.Length; i++)
        {
            result[i] = a[i] switch
            {
                double d => d,
                long l => l,
                _ => throw new BusDecodeException("bad_type", $"field '{P(key)}[{i}]' must be a number, got {Describe(a[i])}"),
            };
            if (!double.IsFinite(result[i]))
                throw new BusDecodeException("bad_value", $"field '{P(key)}[{i}]' must be finite");
        }
        return result;
    }

    public int[] Ints(string key, int min, int max, int maxLength = 1 << 16)
    {
        var a = Array(key, maxLength);
        var result = new int[a.Length];
        for (var i = 0; i < a.Length; i++)
        {
            if (a[i] is not long l)
                throw new BusDecodeException("bad_type", $"field '{P(key)}[{i}]' must be an integer, got {Describe(a[i])}");
            if (l < min || l > max)
                throw new BusDecodeException("bad_value", $"field '{P(key)}[{i}]' must be in [{min}, {max}], got {l}");
            result[i] = (int)l;
        }
        return result;
    }

    public string[] Texts(string key, int maxLength = 256)
    {
        var a = Array(key, maxLength);
        var result = new string[a.Length];
        for (var i = 0; i < a.Length; i++)
        {
            result[i] = a[i] is string s && !string.IsNullOrWhiteSpace(s) && s.Length <= BusLimits.MaxStringLength
                ? s
                : throw new BusDecodeException("bad_type", $"field '{P(key)}[{i}]' must be non-empty text, got {Describe(a[i])}");
        }
        return result;
    }

    /// <summary>A rectangular [rows][cols] matrix of finite numbers.</summary>
    public double[][] Matrix(string key, int maxRows = 4096, int maxCols = 256)
    {
        var rows = Array(key, maxRows);
        var result = new double[rows.Length][];
        for (var r = 0; r < rows.Length; r++)
        {
            var row = new BusFields(new Dictionary<string, object?> { ["row"] = rows[r] }, $"{P(key)}[{r}]");
            result[r] = row.Doubles("row", maxCols);
            if (result[r].Length != result[0].Length)
                throw new BusDecodeException("bad_value", $"field '{P(key)}' is not rectangular: row {r} has {result[r].Length} values, row 0 has {result[0].Length}");
        }
        return result;
    }

    public BusFields Map(string key) =>
        Get(key) is Dictionary<string, object?> m ? new BusFields(m, P(key)) : throw Type(key, "a map");

    public IEnumerable<BusFields> Maps(string key, int maxLength = 64)
    {
        var a = Array(key, maxLength);
        for (var i = 0; i < a.Length; i++)
        {
            yield return a[i] is Dictionary<string, object?> m
                ? new BusFields(m, $"{P(key)}[{i}]")
                : throw new BusDecodeException("bad_type", $"field '{P(key)}[{i}]' must be a map, got {Describe(a[i])}");
        }
    }

    /// <summary>A timestamp in µs since the Unix epoch, between 2000 and 2200.</summary>
    public DateTimeOffset Time(string key)
    {
        var us = Long(key, 946_684_800_000_000L, 7_258_118_400_000_000L);
        return DateTimeOffset.UnixEpoch.AddTicks(us * 10);
    }
}
