using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace Controller.Model.Training;

/// <summary>
/// Minimal line plot written as an 8-bit RGB PNG (own encoder: signature, IHDR, zlib IDAT, IEND with CRC-32), so
/// loss curves need no plotting package. Raw loss in light grey, a moving average in blue, log-scaled y.
/// </summary>
public static class PngPlot
{
    private const int W = 640, H = 360, Margin = 40;

    public static void Line(string path, string title, IReadOnlyList<(double X, double Y)> points)
    {
        var img = new byte[W * H * 3];
        Array.Fill(img, (byte)255);
        Rect(img, Margin, Margin, W - Margin, H - Margin, 0, 0, 0);
        var pts = points.Where(p => double.IsFinite(p.Y) && p.Y > 0).ToList();
        if (pts.Count > 1)
        {
            double x0 = pts.Min(p => p.X), x1 = pts.Max(p => p.X);
            double y0 = Math.Log10(pts.Min(p => p.Y)), y1 = Math.Log10(pts.Max(p => p.Y));
            if (x1 <= x0) x1 = x0 + 1;
            if (y1 - y0 < 1e-6) { y0 -= 0.5; y1 += 0.5; }
            (int, int) Map(double x, double y) => (Margin + (int)((x - x0) / (x1 - x0) * (W - 2 * Margin)), H - Margin - (int)((Math.Log10(y) - y0) / (y1 - y0) * (H - 2 * Margin)));
            Polyline(img, pts.Select(p => Map(p.X, p.Y)).ToList(), 200, 200, 200);
            var k = Math.Max(1, pts.Count / 50);
            var smooth = pts.Select((p, i) => (p.X, pts.Skip(Math.Max(0, i - k)).Take(Math.Min(i + 1, k + 1)).Average(q => q.Y))).ToList();
            Polyline(img, smooth.Select(p => Map(p.X, p.Item2)).ToList(), 30, 80, 220);
            // Tick marks for each decade of the loss.
            for (var d = Math.Ceiling(y0); d <= y1; d++)
            {
                var y = H - Margin - (int)((d - y0) / (y1 - y0) * (H - 2 * Margin));
                for (var x = Margin - 6; x < Margin; x++) Set(img, x, y, 0, 0, 0);
            }
        }
        _ = title; // the title is carried in the file name and CSV; a font renderer is not worth the weight here
        File.WriteAllBytes(path, Encode(img, W, H));
    }

    /// <summary>Tiles packed RGB images (size×size each) into a grid of <paramref name="rows"/> rows and writes a PNG.</summary>
    public static void Grid(string path, IReadOnlyList<byte[]> images, int size, int rows)
    {
        var cols = (images.Count + rows - 1) / rows;
        int w = cols * (size + 2), h = rows * (size + 2);
        var img = new byte[w * h * 3];
        Array.Fill(img, (byte)255);
        for (var i = 0; i < images.Count; i++)
        {
            int ox = i % cols * (size + 2) + 1, oy = i / cols * (size + 2) + 1;
            for (var y = 0; y < size; y++)
                Array.Copy(images[i], y * size * 3, img, ((oy + y) * w + ox) * 3, size * 3);
        }
        File.WriteAllBytes(path, Encode(img, w, h));
    }

    public static byte[] Encode(byte[] rgb, int width, int height)
    {
        using var ms = new MemoryStream();
        ms.Write([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]);
        var ihdr = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(ihdr, width);
        BinaryPrimitives.WriteInt32BigEndian(ihdr.AsSpan(4), height);
        ihdr[8] = 8; ihdr[9] = 2; // 8-bit RGB
        Chunk(ms, "IHDR", ihdr);
        using (var raw = new MemoryStream())
        {
            using (var z = new ZLibStream(raw, CompressionLevel.Optimal, leaveOpen: true))
                for (var y = 0; y < height; y++)
                {
                    z.WriteByte(0); // filter: none
                    z.Write(rgb, y * width * 3, width * 3);
                }
            Chunk(ms, "IDAT", raw.ToArray());
        }
        Chunk(ms, "IEND", []);
        return ms.ToArray();
    }

    private static void Chunk(Stream s, string type, byte[] data)
    {
        Span<byte> b4 = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(b4, data.Length);
        s.Write(b4);
        var typeBytes = Encoding.ASCII.GetBytes(type);
        s.Write(typeBytes);
        s.Write(data);
        BinaryPrimitives.WriteUInt32BigEndian(b4, Crc32([.. typeBytes, .. data]));
        s.Write(b4);
    }

    private static uint Crc32(byte[] data)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in data)
        {
            crc ^= b;
            for (var k = 0; k < 8; k++)
                crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320u : crc >> 1;
        }
        return ~crc;
    }

    private static void Polyline(byte[] img, List<(int X, int Y)> p, byte r, byte g, byte b)
    {
        for (var i = 1; i < p.Count; i++)
        {
            var n = Math.Max(Math.Abs(p[i].X - p[i - 1].X), Math.Abs(p[i].Y - p[i - 1].Y)) + 1;
            for (var j = 0; j <= n; j++)
                Set(img, p[i - 1].X + (p[i].X - p[i - 1].X) * j / n, p[i - 1].Y + (p[i].Y - p[i - 1].Y) * j / n, r, g, b);
        }
    }

    private static void Rect(byte[] img, int x0, int y0, int x1, int y1, byte r, byte g, byte b)
    {
        for (var x = x0; x <= x1; x++) { Set(img, x, y0, r, g, b); Set(img, x, y1, r, g, b); }
        for (var y = y0; y <= y1; y++) { Set(img, x0, y, r, g, b); Set(img, x1, y, r, g, b); }
    }

    private static void Set(byte[] img, int x, int y, byte r, byte g, byte b)
    {
        if (x < 0 || y < 0 || x >= W || y >= H) return;
        var i = 3 * (y * W + x);
        img[i] = r; img[i + 1] = g; img[i + 2] = b;
    }
}
