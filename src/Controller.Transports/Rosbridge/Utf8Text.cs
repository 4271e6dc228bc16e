using System.Buffers;
using System.Buffers.Text;
using System.Text;

namespace Controller.Transports.Rosbridge;

/// <summary>
/// A long JSON string value kept as its UTF-8 bytes. Big base64 fields (an image's uint8[] is 1.2 MB of
/// base64 at 640×480 rgb8) then decode straight from UTF-8 to bytes, never becoming a 2.4 MB UTF-16
/// string on the large-object heap. <see cref="RosMap"/>'s getters accept it wherever a string fits.
/// Immutable and thread-safe.
/// </summary>
public sealed class Utf8Text(byte[] utf8)
{
    /// <summary>JSON strings at least this long (bytes, without escapes) are kept as UTF-8.</summary>
    public const int Threshold = 4096;

    public ReadOnlySpan<byte> Utf8 => utf8;

    public override string ToString() => Encoding.UTF8.GetString(utf8);

    /// <summary>Decodes the text as base64; null when it is not valid base64.</summary>
    public byte[]? TryDecodeBase64()
    {
        var bytes = new byte[Base64.GetMaxDecodedFromUtf8Length(utf8.Length)];
        var status = Base64.DecodeFromUtf8(utf8, bytes, out _, out var written);
        return status == OperationStatus.Done ? (written == bytes.Length ? bytes : bytes.AsSpan(0, written).ToArray()) : null;
    }
}
