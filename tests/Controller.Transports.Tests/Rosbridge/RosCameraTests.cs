using Controller.Abstractions;
using Controller.Transports.Cameras;
using Controller.Transports.Rosbridge;
using Controller.Transports.Rosbridge.Messages;
using StbImageWriteSharp;

namespace Controller.Transports.Tests.Rosbridge;

public sealed class RosCameraTests
{
    [Fact]
    public void ToFrame_PaddedRows_PacksTightly()
    {
        // 2x2 rgb8 with 2 bytes of padding per row
        byte[] data = [1, 2, 3, 4, 5, 6, 0, 0, 7, 8, 9, 10, 11, 12, 0, 0];
        var f = RosCamera.ToFrame("cam", new Image(Header.Now(), 2, 2, "rgb8", 0, 8, data));
        Assert.Equal(new byte[] { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 }, f.Pixels.ToArray());
        Assert.Equal(PixelFormat.Mono8, RosCamera.ToFrame("cam", new Image(Header.Now(), 1, 2, "mono8", 0, 2, [1, 2])).Format);
        Assert.Equal(PixelFormat.Bgr8, RosCamera.ToFrame("cam", new Image(Header.Now(), 1, 1, "bgr8", 0, 3, [1, 2, 3])).Format);
    }

    [Theory]
    [InlineData("yuv422", 2, 2)]
    [InlineData("rgb8", 2, 4)]
    public void ToFrame_BadImage_ThrowsInvalidFrame(string encoding, int step, int bytes)
        => Assert.Throws<InvalidFrameException>(() => RosCamera.ToFrame("cam", new Image(Header.Now(), 2, 2, encoding, 0, (uint)step, new byte[bytes])));

    [Theory]
    [InlineData("jpeg")]
    [InlineData("png")]
    public void ToFrame_CompressedImage_DecodesToRgb8(string format)
    {
        var rgb = new byte[16 * 8 * 3];
        for (var i = 0; i < rgb.Length; i++)
            rgb[i] = (byte)(i % 3 == 0 ? 200 : 20);
        using var ms = new MemoryStream();
        var writer = new ImageWriter();
        if (format == "png")
            writer.WritePng(rgb, 16, 8, ColorComponents.RedGreenBlue, ms);
        else
            writer.WriteJpg(rgb, 16, 8, ColorComponents.RedGreenBlue, ms, 90);
        var f = RosCamera.ToFrame("cam", new CompressedImage(Header.Now(), format, ms.ToArray()));
        Assert.Equal((16, 8, PixelFormat.Rgb8), (f.Width, f.Height, f.Format));
        Assert.InRange(f.Pixels.Span[0], 180, 220);
        Assert.Throws<InvalidFrameException>(() => RosCamera.ToFrame("cam", new CompressedImage(Header.Now(), format, [1, 2, 3])));
    }

    [Fact]
    public async Task StartAsync_CompressedTopic_DeliversFrames()
    {
        await using var server = Loopback.StartServer();
        server.Advertise<CompressedImage>("/camera/overhead/image_raw/compressed");
        await using var client = new RosbridgeClient(new RosbridgeClientOptions { Uri = server.Uri });
        await client.ConnectAsync();
        await using var camera = new RosCamera(client, new CameraSpec("overhead", 16, 8, "/camera/overhead/image_raw"), compressed: true);
        var got = new TaskCompletionSource<Frame>(TaskCreationOptions.RunContinuationsAsynchronously);
        var subscribed = Loopback.WhenSubscribed(server, camera.Topic);
        await camera.StartAsync(f => got.TrySetResult(f), CancellationToken.None);
        await subscribed;
        using var ms = new MemoryStream();
        new ImageWriter().WriteJpg(new byte[16 * 8 * 3], 16, 8, ColorComponents.RedGreenBlue, ms, 80);
        server.Publish(camera.Topic, new CompressedImage(Header.Now(), "jpeg", ms.ToArray()));
        var frame = await got.Task.Within();
        Assert.Equal("overhead", frame.CameraId);
        Assert.Equal(16, frame.Width);
    }
}
