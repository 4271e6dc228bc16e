namespace Controller.Abstractions;

/// <summary>One camera image. <see cref="Pixels"/> is row-major, tightly packed (stride = width × bytes per pixel).</summary>
public sealed record Frame(string CameraId, PixelFormat Format, int Width, int Height, DateTimeOffset Timestamp, ReadOnlyMemory<byte> Pixels)
{
    /// <summary>Checks that the pixel buffer matches the declared size; throws <see cref="InvalidFrameException"/> otherwise.</summary>
    public Frame Validate()
    {
        if (string.IsNullOrWhiteSpace(CameraId))
            throw new InvalidFrameException("frame has no camera id");
        if (Width <= 0 || Height <= 0)
            throw new InvalidFrameException($"camera '{CameraId}': frame size {Width}x{Height} is not positive");
        var expected = (long)Width * Height * Format.BytesPerPixel();
        if (Pixels.Length != expected)
            throw new InvalidFrameException($"camera '{CameraId}': {Format} {Width}x{Height} needs {expected} bytes, got {Pixels.Length}");
        return this;
    }
}

public sealed class InvalidFrameException(string message) : Exception(message);
