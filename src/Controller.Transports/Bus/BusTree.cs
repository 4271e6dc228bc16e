namespace Controller.Transports.Bus;

/// <summary>
/// Limits for decoding untrusted payloads. Anything beyond them is rejected before allocation grows with it.
/// </summary>
public static class BusLimits
{
    /// <summary>Largest payload accepted, bytes (a 640×480 RGB frame is 0.9 MB).</summary>
    public const int MaxPayloadBytes = 16 * 1024 * 1024;

    /// <summary>Deepest nesting of maps/arrays (an infer request is map → frames array → frame map → …).</summary>
    public const int MaxDepth = 6;

    /// <summary>Most elements in one array or map.</summary>
    public const int MaxElements = 1 << 20;

    /// <summary>Longest text string, UTF-16 chars.</summary>
    public const int MaxStringLength = 4096;
}

/// <summary>
/// The neutral tree both wire forms map to. Decoded values are: null, bool, long, double, string, byte[],
/// object?[] (array) and <see cref="Dictionary{TKey,TValue}"/> with string keys (map). Encoders also accept
/// int, int[], long[], double[], double[][], ReadOnlyMemory&lt;byte&gt;, string lists and lists of maps.
/// </summary>
internal static class BusTree
{
    public static BusDecodeException Bad(string reason, string message) => new(reason, message);
}
