namespace Controller.Transports.Bus;

/// <summary>
/// A payload that is not a valid bus message. <see cref="Reason"/> is a short, stable tag (e.g. "cbor_malformed",
/// "missing_field", "bad_version") used as the metric's reason; the message says which field and why.
/// </summary>
public sealed class BusDecodeException(string reason, string message) : Exception(message)
{
    public string Reason { get; } = reason;
}
