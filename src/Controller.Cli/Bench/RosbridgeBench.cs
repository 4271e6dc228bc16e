using System.Diagnostics;
using System.Text.Json;
using Controller.Transports.Rosbridge;
using Controller.Transports.Rosbridge.Messages;
using StbImageWriteSharp;

namespace Controller.Cli.Bench;

/// <summary>
/// Rosbridge throughput and latency: our server streams 640×480 rgb8 Images at 30 Hz (JSON and CBOR)
/// and 640×480 JPEG CompressedImages (CBOR); our client and npm roslib (node) subscribe to the same
/// stream at the same time. Per encoding: received fps and p50/p99 latency (arrival with the image
/// bytes in hand minus header.stamp), and our/roslib ratios. Goal: our fps ≥ roslib's, our p50 ≤ roslib's.
/// </summary>
public sealed class RosbridgeBench : IBenchSuite
{
    private const int Width = 640;
    private const int Height = 480;
    private const double Hz = 30;

    public string Name => "ros";

    public string Description => "rosbridge: 640x480 rgb8 at 30 Hz (JSON, CBOR) and JPEG, our client vs roslib on the same stream: fps, p50/p99 latency";

    public async Task<IReadOnlyList<BenchResult>> RunAsync(BenchContext context, CancellationToken cancellationToken)
    {
        var seconds = context.Quick ? 4 : 12;
        var interop = FindInterop();
        await EnsureNpmAsync(interop, cancellationToken);
        var results = new List<BenchResult>();
        var pixels = TestPattern();
        var jpeg = Jpeg(pixels);
        foreach (var (label, compression, compressed) in new[] { ("json", RosCompression.None, false), ("cbor", RosCompression.Cbor, false), ("jpeg", RosCompression.Cbor, true) })
        {
            context.Report($"ros: {label} for {seconds} s (ours and roslib on the same stream)");
            var (ours, roslib, sent) = await MeasureAsync(interop, compression, compressed, pixels, jpeg, seconds, cancellationToken);
            string Fmt(Sample s) => $"fps {s.Fps:0.0}, p50 {s.P50:0.0} ms, p99 {s.P99:0.0} ms, {s.Received} msgs";
            var note = $"ours: {Fmt(ours)}; roslib: {Fmt(roslib)}; published {sent}";
            results.Add(new BenchResult(Name, $"{label} fps (ours)", ours.Fps, "fps", Note: note));
            results.Add(new BenchResult(Name, $"{label} fps (roslib)", roslib.Fps, "fps"));
            results.Add(new BenchResult(Name, $"{label} p50 latency (ours)", ours.P50, "ms"));
            results.Add(new BenchResult(Name, $"{label} p99 latency (ours)", ours.P99, "ms"));
            results.Add(new BenchResult(Name, $"{label} p50 latency (roslib)", roslib.P50, "ms"));
            results.Add(new BenchResult(Name, $"{label} p99 latency (roslib)", roslib.P99, "ms"));
            var fpsRatio = ours.Fps / roslib.Fps;
            var p50Ratio = ours.P50 / roslib.P50;
            results.Add(new BenchResult(Name, $"{label} fps ours/roslib", fpsRatio, "x", "≥ 0.98 (same 30 Hz stream)", fpsRatio >= 0.98));
            results.Add(new BenchResult(Name, $"{label} p50 ours/roslib", p50Ratio, "x", "≤ 1", p50Ratio <= 1));
        }
        return results;
    }

    private sealed record Sample(int Received, double Fps, double P50, double P99);

    private static async Task<(Sample Ours, Sample Roslib, int Sent)> MeasureAsync(string interop, RosCompression compression, bool compressed, byte[] pixels, byte[] jpeg, int seconds, CancellationToken ct)
    {
        await using var server = new RosbridgeServer();
        server.Start();
        var topic = compressed ? "/bench/image_raw/compressed" : "/bench/image_raw";
        var type = compressed ? CompressedImage.RosType.Format(RosDialect.Ros2) : Image.RosType.Format(RosDialect.Ros2);
        server.Advertise(topic, type);
        var both = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        server.ClientSubscribed += (t, _) =>
        {
            if (t == topic && server.SubscriberCount(topic) >= 2)
                both.TrySetResult();
        };

        // roslib in node, same stream, same time
        var psi = new ProcessStartInfo("node") { WorkingDirectory = interop, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { Path.Combine(interop, "bench.mjs"), server.Uri.ToString(), topic, type, compression.ToWire(), $"{seconds + 2}" })
            psi.ArgumentList.Add(a);
        using var node = Process.Start(psi) ?? throw new InvalidOperationException("cannot start node");
        var nodeOut = node.StandardOutput.ReadToEndAsync(ct);
        var nodeErr = node.StandardError.ReadToEndAsync(ct);

        // our client
        var latencies = new List<double>();
        var seen = 0;
        long first = 0, last = 0;
        await using var client = new RosbridgeClient(new RosbridgeClientOptions { Uri = server.Uri });
        await client.ConnectAsync(ct);
        void OnMessage(Header header, int bytes)
        {
            var now = DateTimeOffset.UtcNow;
            if (++seen <= 10 || bytes == 0)
                return; // warm-up, as on the roslib side
            latencies.Add((now - header.Stamp.ToDateTimeOffset()).TotalMilliseconds);
            var ts = Stopwatch.GetTimestamp();
            if (first == 0)
                first = ts;
            last = ts;
        }
        var options = new SubscribeOptions { Compression = compression, LocalQueue = 4 };
        await using var sub = compressed
            ? await client.SubscribeAsync<CompressedImage>(topic, m => OnMessage(m.Header, m.Data.Length), options, ct)
            : await client.SubscribeAsync<Image>(topic, m => OnMessage(m.Header, m.Data.Length), options, ct);
        await both.Task.WaitAsync(TimeSpan.FromSeconds(30), ct);

        // publish at 30 Hz for `seconds`, stamping each message as it leaves
        var sent = 0;
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1 / Hz));
        var end = Stopwatch.GetTimestamp() + (long)(seconds * Stopwatch.Frequency);
        while (Stopwatch.GetTimestamp() < end && await timer.WaitForNextTickAsync(ct))
        {
            var header = Header.Now();
            if (compressed)
                server.Publish(topic, new CompressedImage(header, "jpeg", jpeg));
            else
                server.Publish(topic, new Image(header, Height, Width, "rgb8", 0, Width * 3, pixels));
            sent++;
        }
        await node.WaitForExitAsync(ct).WaitAsync(TimeSpan.FromSeconds(60), ct);
        var output = await nodeOut;
        var summary = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).LastOrDefault(l => l.Contains("\"received\"", StringComparison.Ordinal))
            ?? throw new InvalidOperationException($"roslib bench printed no summary: {output}{await nodeErr}");
        using var doc = JsonDocument.Parse(summary);
        var r = doc.RootElement;
        double Num(string k) => r.GetProperty(k).ValueKind == JsonValueKind.Number ? r.GetProperty(k).GetDouble() : double.NaN;
        var roslib = new Sample((int)Num("received"), Num("fps"), Num("p50"), Num("p99"));
        List<double> mine;
        lock (latencies)
            mine = [.. latencies];
        var oursFps = mine.Count > 1 ? (mine.Count - 1) / Stopwatch.GetElapsedTime(first, last).TotalSeconds : 0;
        var ours = new Sample(mine.Count, oursFps, Stats.Percentile(mine, 0.5), Stats.Percentile(mine, 0.99));
        return (ours, roslib, sent);
    }

    /// <summary>A textured 640×480 rgb8 image (gradients plus noise) so JPEG sizes are realistic.</summary>
    private static byte[] TestPattern()
    {
        var rng = new Random(5);
        var px = new byte[Width * Height * 3];
        for (var y = 0; y < Height; y++)
            for (var x = 0; x < Width; x++)
            {
                var i = (y * Width + x) * 3;
                px[i] = (byte)(x * 255 / Width);
                px[i + 1] = (byte)(y * 255 / Height);
                px[i + 2] = (byte)rng.Next(256);
            }
        return px;
    }

    private static byte[] Jpeg(byte[] rgb)
    {
        using var ms = new MemoryStream();
        new ImageWriter().WriteJpg(rgb, Width, Height, ColorComponents.RedGreenBlue, ms, 85);
        return ms.ToArray();
    }

    private static string FindInterop()
    {
        foreach (var origin in new[] { AppContext.BaseDirectory, Directory.GetCurrentDirectory() })
            for (var dir = new DirectoryInfo(origin); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "tests", "interop");
                if (File.Exists(Path.Combine(candidate, "bench.mjs")))
                    return candidate;
            }
        throw new DirectoryNotFoundException("tests/interop/bench.mjs not found (run from the repository)");
    }

    private static async Task EnsureNpmAsync(string interop, CancellationToken ct)
    {
        if (Directory.Exists(Path.Combine(interop, "node_modules", "roslib")))
            return;
        var psi = new ProcessStartInfo("npm") { WorkingDirectory = interop, UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "ci", "--no-audit", "--no-fund", "--prefix", interop })
            psi.ArgumentList.Add(a);
        using var p = Process.Start(psi) ?? throw new InvalidOperationException("cannot start npm");
        await p.WaitForExitAsync(ct);
        if (p.ExitCode != 0)
            throw new InvalidOperationException($"npm ci failed: {await p.StandardError.ReadToEndAsync(ct)}");
    }
}
