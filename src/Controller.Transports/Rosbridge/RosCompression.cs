namespace Controller.Transports.Rosbridge;

/// <summary>The <c>compression</c> a subscriber asks for. Names on the wire: none, png, cbor, cbor-raw.</summary>
public enum RosCompression
{
    None,
    Png,
    Cbor,
    CborRaw,
}

public static class RosCompressionNames
{
    public static string ToWire(this RosCompression c) => c switch
    {
        RosCompression.Png => "png",
        RosCompression.Cbor => "cbor",
        RosCompression.CborRaw => "cbor-raw",
        _ => "none",
    };

    /// <summary>Parses a wire name; null or empty means none. Throws <see cref="RosbridgeProtocolException"/> for anything else.</summary>
    public static RosCompression Parse(string? wire) => wire switch
    {
        null or "" or "none" => RosCompression.None,
        "png" => RosCompression.Png,
        "cbor" => RosCompression.Cbor,
        "cbor-raw" => RosCompression.CborRaw,
        _ => throw new RosbridgeProtocolException("bad_compression", $"compression must be none, png, cbor or cbor-raw, got '{wire}'"),
    };
}
