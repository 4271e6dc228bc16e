namespace Controller.Abstractions;

/// <summary>Pixel layouts a <see cref="Frame"/> may carry. Bytes per pixel are fixed per format.</summary>
public enum PixelFormat
{
    Rgb8,
    Bgr8,
    Mono8,
    Rgba8,
}

public static class PixelFormatExtensions
{
    public static int BytesPerPixel(this PixelFormat format) => format switch
    {
        PixelFormat.Rgb8 or PixelFormat.Bgr8 => 3,
        PixelFormat.Mono8 => 1,
        PixelFormat.Rgba8 => 4,
        _ => throw new ArgumentOutOfRangeException(nameof(format), format, "unknown pixel format"),
    };
}
