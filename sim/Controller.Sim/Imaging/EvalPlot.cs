using Controller.Sim.Eval;

namespace Controller.Sim.Imaging;

/// <summary>
/// A small PNG chart of an eval run, drawn pixel by pixel with <see cref="PixelFont"/> labels (no font
/// or plotting dependency): the running success rate over episodes (blue line) inside its running 95%
/// Wilson band (light blue), a 95% reference line (grey dashes), and one mark per episode along the
/// bottom (green = success, red = failure).
/// </summary>
public static class EvalPlot
{
    public static byte[] Render(EvalReport report, int width = 560, int height = 300)
    {
        var rgb = new byte[width * height * 3];
        Array.Fill(rgb, (byte)255);
        const int left = 40, right = 12, top = 30, bottom = 52;
        int plotW = width - left - right, plotH = height - top - bottom;
        int X(double f) => left + (int)Math.Round(f * (plotW - 1));
        int Y(double rate) => top + (int)Math.Round((1 - rate) * (plotH - 1));

        void Set(int x, int y, (byte R, byte G, byte B) c)
        {
            if (x < 0 || y < 0 || x >= width || y >= height)
                return;
            var i = (y * width + x) * 3;
            (rgb[i], rgb[i + 1], rgb[i + 2]) = c;
        }

        // Frame and the 95% reference.
        for (var x = left; x < left + plotW; x++)
        {
            Set(x, top, (200, 200, 200));
            Set(x, top + plotH - 1, (120, 120, 120));
            if (x / 4 % 2 == 0)
                Set(x, Y(0.95), (150, 150, 150));
        }
        for (var y = top; y < top + plotH; y++)
        {
            Set(left, y, (120, 120, 120));
            Set(left + plotW - 1, y, (200, 200, 200));
        }

        var n = report.PerEpisode.Count;
        var ok = 0;
        var prev = (X: -1, Y: -1);
        for (var i = 0; i < n; i++)
        {
            if (report.PerEpisode[i].Success)
                ok++;
            var (lo, hi) = Wilson.Interval(ok, i + 1);
            int x0 = X((double)i / n), x1 = X((double)(i + 1) / n);
            for (var x = x0; x <= x1; x++)
            {
                for (var y = Y(hi); y <= Y(lo); y++)
                    Set(x, y, (205, 225, 250));
            }
            var p = (X: x1, Y: Y((double)ok / (i + 1)));
            if (prev.X >= 0)
                Line(prev.X, prev.Y, p.X, p.Y, (30, 90, 200));
            prev = p;
            var colour = report.PerEpisode[i].Success ? ((byte)40, (byte)160, (byte)60) : ((byte)210, (byte)40, (byte)40);
            for (var x = x0; x <= Math.Max(x0, x1 - 1); x++)
            {
                for (var y = height - 30; y < height - 20; y++)
                    Set(x, y, colour);
            }
        }

        var ink = ((byte)40, (byte)40, (byte)40);
        var title = FormattableString.Invariant(
            $"{report.Task} / {report.Policy}: {report.Successes}/{n} = {report.SuccessRate * 100:0.0}%  95% CI [{report.CiLow * 100:0.0}, {report.CiHigh * 100:0.0}]  seed {report.Seed}");
        PixelFont.Draw(rgb, width, height, left, 10, title, ink);
        foreach (var (label, rate) in new[] { ("100%", 1.0), ("95%", 0.95), ("50%", 0.5), ("0%", 0.0) })
            PixelFont.Draw(rgb, width, height, left - 4 - PixelFont.Measure(label), Y(rate) - 3, label, ink);
        PixelFont.Draw(rgb, width, height, left, top + plotH + 4, "1", ink);
        var last = $"{n}";
        PixelFont.Draw(rgb, width, height, left + plotW - PixelFont.Measure(last), top + plotH + 4, last, ink);
        const string axis = "episode (running success rate, 95% band)";
        PixelFont.Draw(rgb, width, height, left + (plotW - PixelFont.Measure(axis)) / 2, top + plotH + 4, axis, ink);
        PixelFont.Draw(rgb, width, height, left, height - 14, "per episode: green = success, red = failure", ink);
        return Png.Encode(rgb, width, height);

        void Line(int x0, int y0, int x1, int y1, (byte, byte, byte) c)
        {
            var steps = Math.Max(Math.Abs(x1 - x0), Math.Abs(y1 - y0)) + 1;
            for (var s = 0; s <= steps; s++)
            {
                var x = x0 + (x1 - x0) * s / steps;
                var y = y0 + (y1 - y0) * s / steps;
                Set(x, y, c);
                Set(x, y + 1, c);
            }
        }
    }
}
