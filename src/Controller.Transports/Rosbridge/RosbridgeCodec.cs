using System.Text;

namespace Controller.Transports.Rosbridge;

/// <summary>
/// The one rosbridge v2 codec, shared by <see cref="RosbridgeClient"/> and <see cref="RosbridgeServer"/>:
/// value tree ⇄ wire frames, with JSON text frames, CBOR binary frames, png compression and fragments.
/// The static members are thread-safe; a <see cref="RosbridgeDecoder"/> holds per-connection state.
/// </summary>
public static class RosbridgeCodec
{
    /// <summary>Parses one frame into a validated message (no fragment or png handling).</summary>
    public static RosMap Parse(ReadOnlyMemory<byte> data, bool binary)
    {
        var m = binary ? CborWire.Decode(data) : JsonWire.Decode(data.Span);
        RosbridgeOps.Validate(m);
        return m;
    }

    /// <summary>
    /// Encodes a message as it should go to a peer that asked for <paramref name="compression"/>.
    /// JSON larger than <paramref name="fragmentSize"/> characters (when &gt; 0) is split into fragment ops.
    /// cbor and cbor-raw produce one binary frame (the caller puts the raw bytes into msg for cbor-raw).
    /// </summary>
    public static WireFrame[] Encode(RosMap message, RosCompression compression = RosCompression.None, int fragmentSize = 0, string? fragmentId = null)
    {
        switch (compression)
        {
            case RosCompression.Cbor:
            case RosCompression.CborRaw:
                return [new WireFrame(CborWire.Encode(message), true)];
            case RosCompression.Png:
            {
                var png = Convert.ToBase64String(PngPacking.Pack(JsonWire.Encode(message)));
                if (fragmentSize > 0 && png.Length > fragmentSize)
                {
                    var id = fragmentId ?? message.GetId() ?? Guid.NewGuid().ToString("N");
                    return [.. FragmentAssembler.Split(png, id, fragmentSize).Select(f =>
                    {
                        f["op"] = RosbridgeOps.Png;
                        return new WireFrame(JsonWire.Encode(f), false);
                    })];
                }
                return [new WireFrame(JsonWire.Encode(new RosMap { ["op"] = RosbridgeOps.Png, ["data"] = png }), false)];
            }
            default:
            {
                var json = JsonWire.Encode(message);
                if (fragmentSize > 0 && json.Length > fragmentSize)
                {
                    var id = fragmentId ?? message.GetId() ?? Guid.NewGuid().ToString("N");
                    return [.. FragmentAssembler.Split(Encoding.UTF8.GetString(json), id, fragmentSize).Select(f => new WireFrame(JsonWire.Encode(f), false))];
                }
                return [new WireFrame(json, false)];
            }
        }
    }
}

/// <summary>
/// Turns incoming frames of one connection into whole messages: parses JSON or CBOR, reassembles
/// fragments and unpacks png. Not thread-safe: use it from the connection's receive loop only.
/// </summary>
public sealed class RosbridgeDecoder(TimeProvider? time = null)
{
    private readonly FragmentAssembler _fragments = new(time);
    private readonly FragmentAssembler _pngFragments = new(time);

    /// <summary>Returns the message, or null while a fragmented message is incomplete. Throws <see cref="RosbridgeProtocolException"/>.</summary>
    public RosMap? Decode(ReadOnlyMemory<byte> data, bool binary) => Handle(RosbridgeCodec.Parse(data, binary), 0);

    private RosMap? Handle(RosMap m, int depth)
    {
        if (depth > 2)
            throw new RosbridgeProtocolException("bad_fragment", "fragments nest inside fragments");
        switch ((string)m["op"]!)
        {
            case RosbridgeOps.Fragment:
            {
                var text = _fragments.Add(m.GetId()!, m.GetLong("num"), m.GetLong("total"), m.GetString("data"));
                return text is null ? null : Handle(RosbridgeCodec.Parse(Encoding.UTF8.GetBytes(text), false), depth + 1);
            }
            case RosbridgeOps.Png:
            {
                var b64 = m.Has("total")
                    ? _pngFragments.Add(m.GetId() ?? throw new RosbridgeProtocolException("missing_field", "fragmented png needs an 'id'"), m.GetLong("num"), m.GetLong("total"), m.GetString("data"))
                    : m.GetString("data");
                if (b64 is null)
                    return null;
                byte[] png;
                try
                {
                    png = Convert.FromBase64String(b64);
                }
                catch (FormatException e)
                {
                    throw new RosbridgeProtocolException("bad_png", "png data is not base64", e);
                }
                return Handle(RosbridgeCodec.Parse(PngPacking.Unpack(png), false), depth + 1);
            }
            default:
                return m;
        }
    }
}
