namespace Controller.Transports.Rosbridge;

/// <summary>
/// A frame or field that breaks the rosbridge v2 protocol. <see cref="Reason"/> is a short, stable
/// tag for metrics (e.g. "bad_json", "missing_field"); the message says what was wrong in words.
/// </summary>
public sealed class RosbridgeProtocolException(string reason, string message, Exception? inner = null) : Exception(message, inner)
{
    public string Reason { get; } = reason;
}
