using StbImageSharp;
using StbImageWriteSharp;

namespace Controller.Sim.Imaging;

/// <summary>RGB8 PNG encode/decode (StbImage). Thread-safe: no shared state.</summary>
public static class Png
{
    public static byte[] Encode(ReadOnlySpan<byte> rgb, int width, int height)
    {
        using var ms = new MemoryStream();
        new ImageWriter().WritePng(rgb.ToArray(), width, height, StbImageWriteSharp.ColorComponents.RedGreenBlue, ms);
        return ms.ToArray();
    }

    public static void Write(string path, ReadOnlySpan<byte> rgb, int width, int height)
        => File.WriteAllBytes(path, Encode(rgb, width, height));

    /// <summary>Decodes a PNG to tightly packed RGB8.</summary>
    public static (byte[] Rgb, int Width, int Height) Decode(byte[] png)
    {
        var img = ImageResult.FromMemory(png, StbImageSharp.ColorComponents.RedGreenBlue);
        return (img.Data, img.Width, img.Height);
    }

    public static (byte[] Rgb, int Width, int Height) Read(string path) => Decode(File.ReadAllBytes(path));
}
