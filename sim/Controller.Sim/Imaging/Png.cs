using System.Buffers.Binary;
using System.IO.Compression;
using StbImageSharp;

namespace Controller.Sim.Imaging;

/// <summary>
/// RGB8 PNG encode/decode. Encoding is our own minimal writer (IHDR, one IDAT compressed by the
/// runtime's native zlib, IEND; filter type 0), several times faster than a managed deflate at
/// 64×64; decoding uses StbImageSharp. Thread-safe: no shared mutable state.
/// </summary>
public static class Png
{
    private static readonly byte[] Signature = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];
    private static readonly uint[] CrcTable = BuildCrcTable();

    public static byte[] Encode(ReadOnlySpan<byte> rgb, int width, int height)
    {
        if (width <= 0 || height <= 0 || rgb.Length < width * height * 3)
            throw new ArgumentException($"need {width}x{height}x3 bytes of RGB, got {rgb.Length}");
        using var ms = new MemoryStream(width * height + 128);
        ms.Write(Signature);
        Span<byte> ihdr = stackalloc byte[13];
        BinaryPrimitives.WriteInt32BigEndian(ihdr, width);
        BinaryPrimitives.WriteInt32BigEndian(ihdr[4..], height);
        ihdr[8] = 8;  // bit depth
        ihdr[9] = 2;  // colour type: truecolour RGB
        ihdr[10] = 0; // deflate
        ihdr[11] = 0; // adaptive filtering (we use filter 0 on every row)
        ihdr[12] = 0; // no interlace
        Chunk(ms, "IHDR"u8, ihdr);

        using var idat = new MemoryStream();
        using (var z = new ZLibStream(idat, CompressionLevel.Fastest, leaveOpen: true))
        {
            var stride = width * 3;
            for (var y = 0; y < height; y++)
            {
                z.WriteByte(0);
                z.Write(rgb.Slice(y * stride, stride));
            }
        }
        Chunk(ms, "IDAT"u8, idat.GetBuffer().AsSpan(0, (int)idat.Length));
        Chunk(ms, "IEND"u8, []);
        return ms.ToArray();
    }

    public static void Write(string path, ReadOnlySpan<byte> rgb, int width, int height)
        => File.WriteAllBytes(path, Encode(rgb, width, height));

    /// <summary>Decodes a PNG to tightly packed RGB8.</summary>
    public static (byte[] Rgb, int Width, int Height) Decode(byte[] png)
    {
        var img = ImageResult.FromMemory(png, ColorComponents.RedGreenBlue);
        return (img.Data, img.Width, img.Height);
    }

    public static (byte[] Rgb, int Width, int Height) Read(string path) => Decode(File.ReadAllBytes(path));

    private static void Chunk(Stream s, ReadOnlySpan<byte> type, ReadOnlySpan<byte> data)
    {
        Span<byte> word = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(word, data.Length);
        s.Write(word);
        s.Write(type);
        s.Write(data);
        var crc = Crc(Crc(0xFFFFFFFFu, type), data) ^ 0xFFFFFFFFu;
        BinaryPrimitives.WriteUInt32BigEndian(word, crc);
        s.Write(word);
    }

    private static uint Crc(uint crc, ReadOnlySpan<byte> data)
    {
        foreach (var b in data)
            crc = CrcTable[(crc ^ b) & 0xFF] ^ (crc >> 8);
        return crc;
    }

    private static uint[] BuildCrcTable()
    {
        // CRC-32 (ISO 3309 / PNG), reflected polynomial 0xEDB88320.
        var t = new uint[256];
        for (uint n = 0; n < 256; n++)
        {
            var c = n;
            for (var k = 0; k < 8; k++)
                c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            t[n] = c;
        }
        return t;
    }
}
