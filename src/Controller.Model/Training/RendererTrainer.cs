using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Controller.Model.Checkpoints;
using Controller.Model.Data;
using Controller.Model.Imaging;
using Controller.Model.Policy;
using TorchSharp;
using static TorchSharp.torch;

namespace Controller.Model.Training;

/// <summary>A training pair: frame t, frame t+H, and the codes to draw frame t+H from (null: its own, from the tokenizer).</summary>
public sealed record RenderPair(byte[] Now, byte[] Next, int[]? Codes = null);

/// <summary>
/// Held-out PSNRs (dB) of frame t+H drawn from its own codes against frame t: with the skip-block rule and with the
/// renderer; and the copy-last-frame baseline. Pairs are (t, t+H) within held-out episodes, where frame t+H exists.
/// </summary>
public sealed record RendererReport(int Step, double TrainLoss, double SkipBlockPsnr, double RendererPsnr, double CopyLastPsnr, int HeldOutPairs, int TrainPairs, double Seconds);

/// <summary>
/// Trains a <see cref="FrameRenderer"/> on (frame t, frame t+H) pairs of demonstrations, with the image tokenizer
/// frozen: the input is frame t and the codes of frame t+H, the target frame t+H, the loss the mean of each frame's
/// log MSE (mean PSNR up to a constant). Every 10th episode is held out. Writes frame_renderer.safetensors (+ optimiser state),
/// renderer_loss.csv/png and renderer_report.json. Seeded and resumable like the other trainers. Blocking.
/// </summary>
public static class RendererTrainer
{
    public const string WeightsFile = "frame_renderer.safetensors";

    /// <param name="imagined">When given, the renderer trains on these pairs (<see cref="Imagined"/>) instead of the
    /// episodes' pairs with their own codes; the held-out report still uses held-out episodes' own codes.</param>
    /// <param name="cacheBytes">When every training pair's input and target fit in this many bytes, they are computed
    /// once instead of at every step (<see cref="Cached"/>); the losses are the same either way.</param>
    public static RendererReport Train(IReadOnlyList<Episode> episodes, string tokenizerPath, string outDir, TrainOptions o, int horizon = 8, int heldOutPairs = 400,
        IReadOnlyList<RenderPair>? imagined = null, IProgress<TrainProgress>? progress = null, CancellationToken ct = default, long cacheBytes = 2L << 30)
    {
        Runtime.TorchRuntime.EnsureLoadable();
        torch.set_num_threads(o.Threads);
        Directory.CreateDirectory(outDir);
        var train = imagined?.ToList() ?? Pairs(episodes.Where((_, i) => i % 10 != 9 || episodes.Count < 10), horizon);
        var held = Pairs(episodes.Where((_, i) => i % 10 == 9), horizon, aheadOnly: true);
        if (train.Count == 0)
            throw new InvalidDataException("no frames to train the renderer on");
        using var tokenizer = TokenizerTrainer.Load(tokenizerPath);
        var size = tokenizer.Config.ImageSize;
        if (episodes[0].Frames[0].Length != size * size * 3)
            throw new InvalidDataException($"frames are not {size}×{size} RGB, the tokenizer's size");
        torch.manual_seed(o.Seed);
        using var renderer = new FrameRenderer();
        var weights = Path.Combine(outDir, WeightsFile);
        var optimPath = Path.Combine(outDir, "renderer_optim.bin");
        var log = new LossLog(Path.Combine(outDir, "renderer_loss.csv"));
        var opt = optim.AdamW(renderer.parameters(), o.LearningRate, weight_decay: 0);
        var start = o.Resume ? Resume.From(renderer, weights, opt, optimPath, log) : 0;
        using var cached = Cached(tokenizer, train, size, cacheBytes);
        var (last, seconds) = TrainLoop.Run(renderer, opt, o, start, log, rng =>
        {
            var picks = Enumerable.Range(0, o.Batch).Select(_ => (long)rng.Next(train.Count)).ToArray();
            var (input, target) = cached is { } c
                ? (c.Input.index_select(0, tensor(picks)), c.Target.index_select(0, tensor(picks)))
                : Batch(tokenizer, [.. picks.Select(i => train[(int)i])], size);
            // The mean over frames of log MSE: what mean PSNR measures. A plain MSE is dominated by the frames that change
            // most and neglects the many that change in a few cells.
            return (renderer.call(input) - target).pow(2).mean([1, 2, 3]).add(1e-5).log().mean();
        }, step => Save(renderer, opt, weights, optimPath, log, step, o.Seed), progress, "pairs/s", ct);
        if (!File.Exists(weights))
            Save(renderer, opt, weights, optimPath, log, start, o.Seed);
        var (skip, rendered, copy) = Measure(tokenizer, renderer, held.Count > 0 ? Sample(held, heldOutPairs) : Sample(train, heldOutPairs), size);
        var report = new RendererReport(Math.Max(start, o.Steps), last, skip, rendered, copy, Math.Min(heldOutPairs, held.Count), train.Count, seconds);
        File.WriteAllText(Path.Combine(outDir, "renderer_report.json"), JsonSerializer.Serialize(report, ModelManifest.Json));
        return report;
    }

    /// <summary>Loads a renderer checkpoint (eval mode); <see cref="CheckpointException"/> when it is not one.</summary>
    public static FrameRenderer Load(string path)
    {
        var (tensors, meta) = SafeTensors.Read(path);
        if (meta.GetValueOrDefault("kind") != "frame-renderer")
            throw new CheckpointException($"'{path}' is not a frame renderer checkpoint");
        return ModuleWeights.Loaded(new FrameRenderer(), tensors, path);
    }

    /// <summary>
    /// <paramref name="count"/> pairs from the training episodes (every 10th is held out) whose codes are what the world
    /// model imagines for frame t+H given frame t, the state and the demonstration's actions: the codes the renderer
    /// draws from at inference, with the model's mistakes in them. Seeded. Blocking; about 20 ms a pair here.
    /// </summary>
    public static List<RenderPair> Imagined(ModelBundle bundle, IReadOnlyList<Episode> episodes, int count, int seed, IProgress<TrainProgress>? progress = null, CancellationToken ct = default)
    {
        var horizon = bundle.ActionTokenizer.Horizon;
        var rng = new Random(seed);
        var steps = episodes.Where((_, i) => i % 10 != 9 || episodes.Count < 10).SelectMany(e => Enumerable.Range(0, e.Steps).Select(t => (e, t))).ToList();
        var result = new List<RenderPair>(count);
        var sw = Stopwatch.StartNew();
        foreach (var (e, t) in steps.OrderBy(_ => rng.Next()).Take(count))
        {
            ct.ThrowIfCancellationRequested();
            var actions = bundle.ActionTokenizer.Encode(e.Chunk(t, horizon, bundle.Manifest.ActionFrame));
            if (bundle.ImagineCodes(e.Instruction, e.Frames[t], e.States[t], actions, out _) is { } codes)
                result.Add(new RenderPair(e.Frames[t], e.Frames[e.FrameAhead(t, horizon)], codes));
            progress?.Report(new TrainProgress(result.Count, count, double.NaN, result.Count / sw.Elapsed.TotalSeconds, "pairs/s"));
        }
        return result;
    }

    /// <summary>
    /// Every (frame t, frame t+H) of the episodes; t+H is clamped to the last frame, as in the world model's sequences.
    /// <paramref name="aheadOnly"/>: only the t whose frame H steps ahead exists (what the held-out report measures,
    /// as the world model's: a clamped target is nearer than H steps, at the last step frame t itself).
    /// </summary>
    private static List<RenderPair> Pairs(IEnumerable<Episode> episodes, int horizon, bool aheadOnly = false) =>
        [.. episodes.SelectMany(e => Enumerable.Range(0, aheadOnly ? Math.Max(0, e.Steps - horizon) : e.Steps)
            .Select(t => new RenderPair(e.Frames[t], e.Frames[e.FrameAhead(t, horizon)])))];

    private static List<RenderPair> Sample(List<RenderPair> pairs, int count)
    {
        var rng = new Random(7);
        return [.. pairs.OrderBy(_ => rng.Next()).Take(count)];
    }

    /// <summary>Every pair's renderer input and target, [N,10,H,W] and [N,3,H,W].</summary>
    private sealed record CachedPairs(Tensor Input, Tensor Target) : IDisposable
    {
        public void Dispose()
        {
            Input.Dispose();
            Target.Dispose();
        }
    }

    /// <summary>
    /// The inputs of a few thousand pairs (the imagined ones) fit in memory. Computed once, they spare every step two
    /// tokenizer encodes and two decodes of its batch (as many FLOPs as the renderer's own forward), and a step draws
    /// the same pairs either way. Null when they would take more than <paramref name="maxBytes"/>.
    /// </summary>
    private static CachedPairs? Cached(FsqImageTokenizer tokenizer, List<RenderPair> pairs, int size, long maxBytes)
    {
        if ((long)pairs.Count * (FrameRenderer.InputChannels + 3) * size * size * sizeof(float) > maxBytes)
            return null;
        var inputs = new List<Tensor>();
        var targets = new List<Tensor>();
        using var scope = NewDisposeScope();
        for (var i = 0; i < pairs.Count; i += 64)
        {
            var (input, target) = Batch(tokenizer, pairs.GetRange(i, Math.Min(64, pairs.Count - i)), size);
            inputs.Add(input);
            targets.Add(target);
        }
        return new CachedPairs(cat(inputs, 0).DetachFromDisposeScope(), cat(targets, 0).DetachFromDisposeScope());
    }

    /// <summary>The renderer's input from each pair's codes (or its second frame's own), and that frame, [B,10,H,W] and [B,3,H,W].</summary>
    private static (Tensor Input, Tensor Target) Batch(FsqImageTokenizer tokenizer, IReadOnlyList<RenderPair> pairs, int size)
    {
        using var noGrad = no_grad();
        var now = ImageOps.ToTensor([.. pairs.Select(p => p.Now)], size);
        var next = ImageOps.ToTensor([.. pairs.Select(p => p.Next)], size);
        var codes = tokenizer.Codes(next);                                                   // (B, g·g)
        for (var i = 0; i < pairs.Count; i++)
            if (pairs[i].Codes is { } given)
                codes[i] = tensor(given.Select(v => (long)v).ToArray());
        return (FrameRenderer.Inputs(tokenizer, now, codes, tokenizer.Codes(now)), next);
    }

    private static (double SkipBlock, double Rendered, double CopyLast) Measure(FsqImageTokenizer tokenizer, FrameRenderer renderer, List<RenderPair> pairs, int size)
    {
        using var noGrad = no_grad();
        double skip = 0, rendered = 0, copy = 0;
        for (var i = 0; i < pairs.Count; i += 32)
        {
            using var scope = NewDisposeScope();
            var part = pairs.Skip(i).Take(32).ToList();
            var (input, _) = Batch(tokenizer, part, size);
            var skipped = ImageOps.FromTensor(FrameRenderer.SkipBlock(input));
            var drawn = ImageOps.FromTensor(renderer.call(input).clamp(0, 1));
            for (var j = 0; j < part.Count; j++)
            {
                skip += ImageOps.Psnr(skipped[j], part[j].Next);
                rendered += ImageOps.Psnr(drawn[j], part[j].Next);
                copy += ImageOps.Psnr(part[j].Now, part[j].Next);
            }
        }
        var n = Math.Max(1, pairs.Count);
        return (skip / n, rendered / n, copy / n);
    }

    /// <summary>Writes the renderer's weights with the metadata <see cref="Load"/> checks.</summary>
    public static void SaveCheckpoint(FrameRenderer renderer, string path, int step, int seed) =>
        ModuleWeights.Save(renderer, path, new Dictionary<string, string>
        {
            ["kind"] = "frame-renderer",
            ["step"] = step.ToString(CultureInfo.InvariantCulture),
            ["seed"] = seed.ToString(CultureInfo.InvariantCulture),
        });

    private static void Save(FrameRenderer renderer, TorchSharp.Modules.AdamW opt, string weights, string optimPath, LossLog log, int step, int seed)
    {
        SaveCheckpoint(renderer, weights, step, seed);
        opt.save_state_dict(optimPath);
        log.Write("frame renderer loss (mean log MSE)");
    }
}
