using Controller.Abstractions;
using Controller.Abstractions.Telemetry;
using Controller.Transports.Rosbridge;
using Controller.Transports.Rosbridge.Messages;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Controller.Transports.Cameras;

/// <summary>
/// A ROS camera topic as an <see cref="ICamera"/>: sensor_msgs/Image (rgb8, bgr8, mono8, rgba8) or,
/// when <paramref name="compressed"/>, sensor_msgs/CompressedImage (jpeg/png, decoded with StbImageSharp
/// to rgb8) on <c>&lt;topic&gt;/compressed</c>. Only the newest frame is kept for a slow consumer
/// (LocalQueue = 1). <c>onFrame</c> runs on the subscription's task. Bad images are rejected with a metric.
/// </summary>
public sealed partial class RosCamera(RosbridgeClient client, CameraSpec spec, bool compressed = false, ILogger? logger = null, TimeProvider? time = null) : ICamera
{
    private const string MetricSource = "ros.camera";

    private readonly ILogger _log = logger ?? NullLogger.Instance;
    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private RosSubscription? _sub;

    public string Id => spec.Name;

    /// <summary>The topic subscribed to (the spec's topic, plus /compressed for compressed images).</summary>
    public string Topic => compressed && !spec.Topic.EndsWith("/compressed", StringComparison.Ordinal) ? spec.Topic + "/compressed" : spec.Topic;

    public RosSubscription? Subscription => _sub;

    public async Task StartAsync(Action<Frame> onFrame, CancellationToken cancellationToken)
    {
        await client.EnsureConnectedAsync(cancellationToken).ConfigureAwait(false);
        var options = new SubscribeOptions { LocalQueue = 1 };
        _sub = compressed || spec.Topic.EndsWith("/compressed", StringComparison.Ordinal)
            ? await client.SubscribeAsync<CompressedImage>(Topic, m => Deliver(() => ToFrame(spec.Name, m, _time), onFrame), options, cancellationToken).ConfigureAwait(false)
            : await client.SubscribeAsync<Image>(Topic, m => Deliver(() => ToFrame(spec.Name, m, _time), onFrame), options, cancellationToken).ConfigureAwait(false);
    }

    private void Deliver(Func<Frame> convert, Action<Frame> onFrame)
    {
        Frame frame;
        try
        {
            frame = convert();
        }
        catch (InvalidFrameException e)
        {
            ControllerMetrics.Reject(MetricSource, "bad_image");
            LogBadImage(_log, Topic, e.Message);
            return;
        }
        onFrame(frame);
    }

    /// <summary>Converts an Image to a tightly packed <see cref="Frame"/>, dropping row padding (step &gt; width × bpp).</summary>
    /// <exception cref="InvalidFrameException">Unknown encoding, or data shorter than height × step.</exception>
    public static Frame ToFrame(string cameraId, Image image, TimeProvider? time = null)
    {
        var format = image.Encoding switch
        {
            "rgb8" => PixelFormat.Rgb8,
            "bgr8" => PixelFormat.Bgr8,
            "mono8" or "8UC1" => PixelFormat.Mono8,
            "rgba8" => PixelFormat.Rgba8,
            _ => throw new InvalidFrameException($"camera '{cameraId}': image encoding '{image.Encoding}' is not supported (rgb8, bgr8, mono8, rgba8)"),
        };
        int w = (int)image.Width, h = (int)image.Height, bpp = format.BytesPerPixel();
        if (w <= 0 || h <= 0 || w > 16384 || h > 16384)
            throw new InvalidFrameException($"camera '{cameraId}': image size {w}x{h} is not usable");
        var row = w * bpp;
        var step = image.Step == 0 ? row : (int)image.Step;
        if (step < row || (long)step * h > image.Data.Length)
            throw new InvalidFrameException($"camera '{cameraId}': {image.Encoding} {w}x{h} with step {step} needs {(long)step * h} bytes, got {image.Data.Length}");
        byte[] pixels;
        if (step == row && image.Data.Length == row * h)
        {
            pixels = image.Data;
        }
        else
        {
            pixels = new byte[row * h];
            for (var y = 0; y < h; y++)
                image.Data.AsSpan(y * step, row).CopyTo(pixels.AsSpan(y * row));
        }
        return new Frame(cameraId, format, w, h, Stamp(image.Header, time), pixels).Validate();
    }

    /// <summary>Decodes a jpeg/png CompressedImage to an rgb8 <see cref="Frame"/>.</summary>
    /// <exception cref="InvalidFrameException">The data does not decode.</exception>
    public static Frame ToFrame(string cameraId, CompressedImage image, TimeProvider? time = null)
    {
        StbImageSharp.ImageResult decoded;
        try
        {
            decoded = StbImageSharp.ImageResult.FromMemory(image.Data, StbImageSharp.ColorComponents.RedGreenBlue);
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException or IndexOutOfRangeException or NullReferenceException)
        {
            throw new InvalidFrameException($"camera '{cameraId}': compressed image ({image.Format}, {image.Data.Length} bytes) does not decode: {e.Message}");
        }
        return new Frame(cameraId, PixelFormat.Rgb8, decoded.Width, decoded.Height, Stamp(image.Header, time), decoded.Data).Validate();
    }

    private static DateTimeOffset Stamp(Header header, TimeProvider? time)
        => header.Stamp.Sec == 0 && header.Stamp.Nanosec == 0 ? (time ?? TimeProvider.System).GetUtcNow() : header.Stamp.ToDateTimeOffset();

    public async ValueTask DisposeAsync()
    {
        if (_sub is not null)
            await _sub.DisposeAsync().ConfigureAwait(false);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "ROS camera on {Topic}: image rejected: {Reason}")]
    private static partial void LogBadImage(ILogger logger, string topic, string reason);
}
