using Controller.Abstractions;
using Controller.Transports.Bus;
using StbImageSharp;

namespace Controller.Transports.Cameras;

/// <summary>
/// A camera whose frames arrive on the bus topic camera/&lt;name&gt; (MQTT or ZeroMQ), raw (rgb8, bgr8, mono8, rgba8)
/// or JPEG (decoded to rgb8 with StbImageSharp). Stale and out-of-order frames are dropped (older than
/// <c>maxAge</c> at arrival). Bad frames are rejected and counted; the callback runs on the transport's receive thread.
/// </summary>
public sealed class BusCamera(Func<CancellationToken, Task<BusChannel>> channelSource, string name, TimeSpan maxAge) : ICamera
{
    private IDisposable? _subscription;
    private long _frames;

    public BusCamera(BusChannel channel, string name, TimeSpan maxAge)
        : this(_ => Task.FromResult(channel), name, maxAge)
    {
    }

    /// <summary>A camera whose bus connection opens on <see cref="StartAsync"/>.</summary>
    public BusCamera(BusLink link, string name, TimeSpan maxAge)
        : this(link.ConnectAsync, name, maxAge)
    {
    }

    public string Id => name;

    public long Frames => Interlocked.Read(ref _frames);

    public async Task StartAsync(Action<Frame> onFrame, CancellationToken cancellationToken)
    {
        var channel = await channelSource(cancellationToken);
        var gate = new SequenceGate(channel.Sender.Time, maxAge);
        _subscription = channel.On<FrameMessage>(channel.Topics.Camera(name), BusQos.Stream, (_, m) =>
        {
            if (m.Camera != name)
            {
                channel.Reject("camera_mismatch");
                return;
            }
            Frame frame;
            try
            {
                frame = ToFrame(m);
            }
            catch (InvalidFrameException)
            {
                channel.Reject("bad_frame");
                return;
            }
            Interlocked.Increment(ref _frames);
            onFrame(frame);
        }, gate);
    }

    /// <summary>Converts a bus frame to a validated <see cref="Frame"/>; JPEG is decoded to rgb8. Throws <see cref="InvalidFrameException"/>.</summary>
    public static Frame ToFrame(FrameMessage m)
    {
        if (m.Encoding == "jpeg")
        {
            ImageResult image;
            try
            {
                image = ImageResult.FromMemory(m.Data.ToArray(), ColorComponents.RedGreenBlue);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                throw new InvalidFrameException($"camera '{m.Camera}': JPEG does not decode ({e.Message})");
            }
            return new Frame(m.Camera, PixelFormat.Rgb8, image.Width, image.Height, m.Captured, image.Data).Validate();
        }
        var format = BusCodec.ParseFormat(m.Encoding) ?? throw new InvalidFrameException($"camera '{m.Camera}': unknown encoding '{m.Encoding}'");
        return new Frame(m.Camera, format, m.Width, m.Height, m.Captured, m.Data).Validate();
    }

    public ValueTask DisposeAsync()
    {
        _subscription?.Dispose();
        return ValueTask.CompletedTask;
    }
}
