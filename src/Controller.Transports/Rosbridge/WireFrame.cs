namespace Controller.Transports.Rosbridge;

/// <summary>One WebSocket message: UTF-8 JSON text, or a binary CBOR frame.</summary>
public readonly record struct WireFrame(ReadOnlyMemory<byte> Data, bool Binary);
