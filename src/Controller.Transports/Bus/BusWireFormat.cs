namespace Controller.Transports.Bus;

/// <summary>The two forms of every bus payload: compact CBOR on the hot path, JSON for humans and tools.</summary>
public enum BusWireFormat
{
    Cbor,
    Json,
}
