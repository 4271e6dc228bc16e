using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Controller.Model.Checkpoints;
using Controller.Model.Data;
using Controller.Model.Imaging;
using TorchSharp;
using static TorchSharp.torch;

namespace Controller.Model.Training;

/// <summary>Held-out reconstruction quality of an image tokenizer.</summary>
public sealed record TokenizerReport(int Step, double TrainLoss, double HeldOutPsnr, int HeldOutFrames, int TrainFrames, double Seconds);

/// <summary>
/// Trains the FSQ image tokenizer on episode frames (every 10th episode held out) with MSE loss and AdamW.
/// Writes image_tokenizer.safetensors (+ optimiser state), tokenizer_loss.csv/png and tokenizer_report.json.
/// Blocking; runs on the calling thread.
/// </summary>
public static class TokenizerTrainer
{
    public const string WeightsFile = "image_tokenizer.safetensors";

    public static TokenizerReport Train(IReadOnlyList<Episode> episodes, FsqConfig config, string outDir, TrainOptions o, IProgress<TrainProgress>? progress = null, CancellationToken ct = default)
    {
        Runtime.TorchRuntime.EnsureLoadable();
        torch.set_num_threads(o.Threads);
        Directory.CreateDirectory(outDir);
        var train = episodes.Where((_, i) => i % 10 != 9).SelectMany(e => e.Frames).ToList();
        var held = episodes.Where((_, i) => i % 10 == 9).SelectMany(e => e.Frames).ToList();
        if (held.Count == 0)
            held = train.TakeLast(Math.Max(1, train.Count / 10)).ToList();
        if (train.Count == 0)
            throw new InvalidDataException("no frames to train the image tokenizer on");
        torch.manual_seed(o.Seed);
        using var model = new FsqImageTokenizer(config);
        var weights = Path.Combine(outDir, WeightsFile);
        var optimPath = Path.Combine(outDir, "tokenizer_optim.bin");
        var log = new LossLog(Path.Combine(outDir, "tokenizer_loss.csv"));
        var opt = optim.AdamW(model.parameters(), o.LearningRate, weight_decay: 0);
        var start = o.Resume ? Resume.From(model, weights, opt, optimPath, log) : 0;
        var (last, seconds) = TrainLoop.Run(model, opt, o, start, log, rng =>
        {
            var batch = Enumerable.Range(0, o.Batch).Select(_ => train[rng.Next(train.Count)]).ToList();
            var x = ImageOps.ToTensor(batch, config.ImageSize);
            if (rng.Next(2) == 1)
                x = x.flip(3); // horizontal flips: a cheap augmentation for the autoencoder only
            var z = model.Encode(x);
            // A small pull on the pre-tanh latents keeps them out of tanh's flat tails (saturated latents stop learning).
            return WeightedMse(model.Decode(model.Quantize(z)), x) + 1e-3 * z.pow(2).mean();
        }, step => Save(model, opt, weights, optimPath, log, step, o), progress, "frames/s", ct);
        if (start >= o.Steps && !File.Exists(weights))
            Save(model, opt, weights, optimPath, log, start, o);
        var psnr = HeldOutPsnr(model, held, config.ImageSize);
        WriteSamples(model, held.Where((_, i) => i % Math.Max(1, held.Count / 8) == 0).Take(8).ToList(), config.ImageSize, Path.Combine(outDir, "tokenizer_samples.png"));
        var report = new TokenizerReport(Math.Max(start, o.Steps), last, psnr, held.Count, train.Count, seconds);
        File.WriteAllText(Path.Combine(outDir, "tokenizer_report.json"), JsonSerializer.Serialize(report, ModelManifest.Json));
        return report;
    }

    /// <summary>
    /// MSE where pixels far from the image's mean colour (objects, the arm) weigh 10× more: in table-top scenes they
    /// cover a few percent of the frame, and plain MSE first settles on "table everywhere" and stays there.
    /// </summary>
    public static Tensor WeightedMse(Tensor recon, Tensor target)
    {
        var mean = target.mean([2, 3], keepdim: true);                                          // (B, 3, 1, 1)
        var salient = (target - mean).abs().sum(1, keepdim: true).gt(0.15).to_type(ScalarType.Float32); // (B, 1, H, W)
        var w = 1 + 9 * salient;
        return ((recon - target).pow(2) * w).sum() / (w.sum() * 3);
    }

    /// <summary>Held-out frames (top row) and their reconstructions through the codes (bottom row) as one PNG.</summary>
    public static void WriteSamples(FsqImageTokenizer model, IReadOnlyList<byte[]> frames, int size, string path)
    {
        if (frames.Count == 0)
            return;
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var recon = ImageOps.FromTensor(model.FromCodes(model.Codes(ImageOps.ToTensor(frames, size))));
        PngPlot.Grid(path, [.. frames, .. recon], size, 2);
    }

    /// <summary>Mean PSNR (dB) of encode→codes→decode over the frames.</summary>
    public static double HeldOutPsnr(FsqImageTokenizer model, IReadOnlyList<byte[]> frames, int size)
    {
        using var noGrad = no_grad();
        double sum = 0;
        for (var i = 0; i < frames.Count; i += 64)
        {
            using var scope = NewDisposeScope();
            var part = frames.Skip(i).Take(64).ToList();
            var recon = ImageOps.FromTensor(model.FromCodes(model.Codes(ImageOps.ToTensor(part, size))));
            for (var j = 0; j < part.Count; j++)
                sum += ImageOps.Psnr(part[j], recon[j]);
        }
        return sum / Math.Max(1, frames.Count);
    }

    public static FsqImageTokenizer Load(string path)
    {
        var (tensors, meta) = SafeTensors.Read(path);
        if (!meta.TryGetValue("fsq_config", out var json))
            throw new CheckpointException($"'{path}' has no fsq_config metadata: not an image tokenizer checkpoint");
        var config = JsonSerializer.Deserialize<FsqConfig>(json, ModelManifest.Json) ?? throw new CheckpointException($"'{path}': empty fsq_config");
        return ModuleWeights.Loaded(new FsqImageTokenizer(config), tensors, path);
    }

    private static void Save(FsqImageTokenizer model, TorchSharp.Modules.AdamW opt, string weights, string optimPath, LossLog log, int step, TrainOptions o)
    {
        SaveCheckpoint(model, weights, step, o.Seed);
        opt.save_state_dict(optimPath);
        log.Write("image tokenizer loss (MSE)");
    }

    /// <summary>Writes the tokenizer weights with its config in the safetensors metadata.</summary>
    public static void SaveCheckpoint(FsqImageTokenizer model, string path, int step, int seed) =>
        ModuleWeights.Save(model, path, new Dictionary<string, string>
        {
            ["kind"] = "fsq-image-tokenizer",
            ["fsq_config"] = JsonSerializer.Serialize(model.Config, ModelManifest.Json),
            ["step"] = step.ToString(CultureInfo.InvariantCulture),
            ["seed"] = seed.ToString(CultureInfo.InvariantCulture),
        });
}
