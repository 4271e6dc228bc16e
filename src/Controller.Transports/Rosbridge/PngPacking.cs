using System.Buffers.Binary;
using StbImageSharp;
using StbImageWriteSharp;

namespace Controller.Transports.Rosbridge;

/// <summary>
/// rosbridge's "png" compression: the JSON text is laid into the pixels of an RGB image (padded with
/// '\n', which JSON ignores), PNG-encoded and sent base64 in a <c>png</c> op. Thread-safe.
/// </summary>
public static class PngPacking
{
    /// <summary>Largest decoded image accepted (pixels), so a tiny PNG cannot inflate into gigabytes.</summary>
    public const long MaxPixels = 32L * 1024 * 1024 / 3;

    public static byte[] Pack(ReadOnlySpan<byte> json)
    {
        var pixels = Math.Max(1, (json.Length + 2) / 3);
        var width = (int)Math.Ceiling(Math.Sqrt(pixels));
        var height = (pixels + width - 1) / width;
        var rgb = new byte[width * height * 3];
        rgb.AsSpan().Fill((byte)'\n');
        json.CopyTo(rgb);
        using var ms = new MemoryStream();
        new ImageWriter().WritePng(rgb, width, height, StbImageWriteSharp.ColorComponents.RedGreenBlue, ms);
        return ms.ToArray();
    }

    /// <summary>Recovers the JSON bytes from a PNG; throws <see cref="RosbridgeProtocolException"/> ("bad_png").</summary>
    public static ReadOnlyMemory<byte> Unpack(byte[] png)
    {
        if (png.Length < 24 || BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(12)) != 0x49484452) // "IHDR"
            throw new RosbridgeProtocolException("bad_png", "png data is not a PNG image");
        long w = BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(16));
        long h = BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(20));
        if (w * h > MaxPixels)
            throw new RosbridgeProtocolException("too_large", $"png image {w}x{h} is larger than {MaxPixels} pixels");
        ImageResult img;
        try
        {
            img = ImageResult.FromMemory(png, StbImageSharp.ColorComponents.RedGreenBlue);
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException or IndexOutOfRangeException)
        {
            throw new RosbridgeProtocolException("bad_png", $"png data does not decode: {e.Message}", e);
        }
        var data = img.Data.AsMemory();
        var end = data.Length;
        while (end > 0 && data.Span[end - 1] is (byte)'\n' or 0)
            end--;
        return data[..end];
    }
}
