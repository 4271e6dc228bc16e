using System.Globalization;
using Controller.Abstractions;

namespace Controller.Sim.Imaging;

/// <summary>
/// One episode as a contact sheet: every <paramref name="every"/>-th observed frame of one camera, scaled up
/// <paramref name="scale"/>×, <paramref name="perRow"/> to a row, each captioned with its step, under a title line.
/// When frames come with an imagined image (what a world-model policy expected to see some steps later), it is drawn
/// under its frame at the same size. For seeing why an eval episode failed. Collects frames as the episode runs
/// (<see cref="Add"/>), then <see cref="Render"/>s. Not thread-safe.
/// </summary>
public sealed class Filmstrip(string camera, int every = 4, int scale = 2, int perRow = 10)
{
    private const int Caption = PixelFont.GlyphHeight + 4;
    private const int Gap = 2;
    private readonly List<(int Step, Frame Frame, byte[]? Imagined)> _frames = [];

    public int Count => _frames.Count;

    /// <summary>
    /// Keeps the step's frame of the camera when the step index is a multiple of <c>every</c>, with what
    /// <paramref name="imagine"/> (called only then) returns for it: a square packed RGB image, or null.
    /// </summary>
    /// <exception cref="SimException">The observation has no frame from the camera (rendering is off).</exception>
    public void Add(int step, Observation observation, Func<Observation, byte[]?>? imagine = null)
    {
        if (step % every != 0)
            return;
        if (!observation.Frames.TryGetValue(camera, out var frame))
            throw new SimException($"no '{camera}' frame at step {step}: a filmstrip needs rendered observations");
        if (frame.Format != PixelFormat.Rgb8)
            throw new SimException($"camera '{camera}' gives {frame.Format}; a filmstrip needs Rgb8");
        _frames.Add((step, frame, imagine?.Invoke(observation)));
    }

    public void Clear() => _frames.Clear();

    /// <summary>The contact sheet as packed RGB with its size; the title is drawn across the top.</summary>
    public (byte[] Rgb, int Width, int Height) Render(string title)
    {
        if (_frames.Count == 0)
            throw new InvalidOperationException("no frames to render");
        var (fw, fh) = (_frames[0].Frame.Width * scale, _frames[0].Frame.Height * scale);
        var cols = Math.Min(perRow, _frames.Count);
        var rows = (_frames.Count + perRow - 1) / perRow;
        var width = Math.Max(cols * (fw + Gap) + Gap, PixelFont.Measure(title) + 2 * Gap);
        var top = Caption + Gap;
        var imagined = _frames.Any(f => f.Imagined is not null) ? fh + Gap : 0;     // a second image under each frame
        var tile = fh + imagined + Caption + Gap;
        var height = top + rows * tile;
        var rgb = new byte[width * height * 3];
        Array.Fill(rgb, (byte)255);
        PixelFont.Draw(rgb, width, height, Gap, Gap, title, (0, 0, 0));
        for (var k = 0; k < _frames.Count; k++)
        {
            var (step, frame, guess) = _frames[k];
            var x0 = Gap + k % perRow * (fw + Gap);
            var y0 = top + k / perRow * tile;
            Blit(frame.Pixels.Span, frame.Width, frame.Height, rgb, width, x0, y0, fw, fh);
            if (guess is not null)
            {
                var side = (int)Math.Sqrt(guess.Length / 3);
                Blit(guess, side, side, rgb, width, x0, y0 + fh + Gap, fw, fh);
            }
            PixelFont.Draw(rgb, width, height, x0, y0 + fh + imagined + 2, step.ToString(CultureInfo.InvariantCulture), (60, 60, 60));
        }
        return (rgb, width, height);
    }

    /// <summary>Nearest-neighbour scaling of a packed RGB image (sw × sh) into the sheet's dw × dh box at (x0, y0).</summary>
    private static void Blit(ReadOnlySpan<byte> src, int sw, int sh, byte[] rgb, int width, int x0, int y0, int dw, int dh)
    {
        for (var y = 0; y < dh; y++)
            for (var x = 0; x < dw; x++)
            {
                var s = (y * sh / dh * sw + x * sw / dw) * 3;
                var d = ((y0 + y) * width + x0 + x) * 3;
                rgb[d] = src[s];
                rgb[d + 1] = src[s + 1];
                rgb[d + 2] = src[s + 2];
            }
    }
}
