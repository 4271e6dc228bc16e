using Controller.Abstractions;

namespace Controller.Transports.Tests.Bus;

/// <summary>A camera that emits a flat-colour RGB frame every 20 ms from its own timer thread.</summary>
internal sealed class TestCamera(string id, int width = 32, int height = 24, byte r = 200, byte g = 60, byte b = 30) : ICamera
{
    private CancellationTokenSource? _cts;

    public string Id => id;

    public Task StartAsync(Action<Frame> onFrame, CancellationToken cancellationToken)
    {
        _cts = new CancellationTokenSource();
        var ct = _cts.Token;
        var pixels = new byte[width * height * 3];
        for (var i = 0; i < pixels.Length; i += 3)
            (pixels[i], pixels[i + 1], pixels[i + 2]) = (r, g, b);
        _ = Task.Run(async () =>
        {
            using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(20));
            while (await timer.WaitForNextTickAsync(ct).ConfigureAwait(false))
                onFrame(new Frame(id, PixelFormat.Rgb8, width, height, DateTimeOffset.UtcNow, pixels));
        }, ct).ContinueWith(_ => { }, TaskScheduler.Default);
        return Task.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        if (_cts is not null)
            await _cts.CancelAsync();
        _cts?.Dispose();
    }
}
