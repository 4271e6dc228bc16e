using Controller.Abstractions;
using static TorchSharp.torch;

namespace Controller.Model.Imaging;

/// <summary>Pixel conversions between <see cref="Frame"/>s, packed RGB bytes and tensors. Stateless, thread-safe.</summary>
public static class ImageOps
{
    /// <summary>Any supported frame → packed RGB (size×size×3), nearest-neighbour resize.</summary>
    public static byte[] ToRgb(Frame frame, int size)
    {
        frame.Validate();
        var bpp = frame.Format.BytesPerPixel();
        var src = frame.Pixels.Span;
        var dst = new byte[size * size * 3];
        for (var y = 0; y < size; y++)
        {
            var sy = y * frame.Height / size;
            for (var x = 0; x < size; x++)
            {
                var sx = x * frame.Width / size;
                var s = (sy * frame.Width + sx) * bpp;
                var d = (y * size + x) * 3;
                switch (frame.Format)
                {
                    case PixelFormat.Rgb8 or PixelFormat.Rgba8:
                        dst[d] = src[s]; dst[d + 1] = src[s + 1]; dst[d + 2] = src[s + 2]; break;
                    case PixelFormat.Bgr8:
                        dst[d] = src[s + 2]; dst[d + 1] = src[s + 1]; dst[d + 2] = src[s]; break;
                    case PixelFormat.Mono8:
                        dst[d] = dst[d + 1] = dst[d + 2] = src[s]; break;
                }
            }
        }
        return dst;
    }

    /// <summary>N packed RGB images (size²×3 bytes each) → [N,3,size,size] float in [0,1].</summary>
    public static Tensor ToTensor(IReadOnlyList<byte[]> images, int size)
    {
        var all = new byte[images.Count * size * size * 3];
        for (var i = 0; i < images.Count; i++)
            images[i].CopyTo(all, i * size * size * 3);
        return tensor(all, ScalarType.Byte).reshape(images.Count, size, size, 3).permute(0, 3, 1, 2).to_type(ScalarType.Float32) / 255f;
    }

    /// <summary>[N,3,S,S] in [0,1] → packed RGB bytes per image.</summary>
    public static byte[][] FromTensor(Tensor images)
    {
        var n = (int)images.shape[0];
        using var bytes = (images.clamp(0, 1) * 255).round().to_type(ScalarType.Byte).permute(0, 2, 3, 1).contiguous();
        var flat = bytes.data<byte>().ToArray();
        var per = flat.Length / n;
        return Enumerable.Range(0, n).Select(i => flat.AsSpan(i * per, per).ToArray()).ToArray();
    }

    /// <summary>PSNR in dB between two packed images of equal size (peak 255).</summary>
    public static double Psnr(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b)
    {
        double se = 0;
        for (var i = 0; i < a.Length; i++)
        {
            double d = a[i] - b[i];
            se += d * d;
        }
        var mse = se / a.Length;
        return mse <= 1e-10 ? 99 : 10 * Math.Log10(255.0 * 255.0 / mse);
    }
}
