using System.Diagnostics;
using System.Globalization;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;
using System.Text.Json;
using Controller.Model.Checkpoints;
using Controller.Model.Data;
using Controller.Model.Imaging;
using Controller.Model.Policy;
using Controller.Model.Tokens;
using TorchSharp;
using static TorchSharp.torch;

namespace Controller.Model.Training;

/// <summary>Size of the transformer and how actions are tokenized; the rest follows from the data.</summary>
public sealed record ModelTrainSettings
{
    public string ActionTokenizer { get; init; } = "bins"; // "bins" (256 per dim) or "fast" (DCT + BPE, ~4× fewer tokens)
    public ActionFrame ActionFrame { get; init; } = ActionFrame.Absolute; // what action tokens stand for
    public bool DigitEmbeddings { get; init; } = true;      // image codes also embed their FSQ digits (shared rows)
    public bool AbsolutePositions { get; init; } = true;    // learned position embeddings; the instruction is padded so positions mean the same everywhere
    public bool CodePixels { get; init; } = true;           // image codes also embed their decoded patch's pixels (colour, where in the patch); needs DigitEmbeddings
    public int TextNgramBuckets { get; init; } = 1024;      // hashed byte bigram/trigram rows for the instruction (0: bytes alone)
    public int Horizon { get; init; } = 8;                  // actions per chunk; also how far ahead imagination looks
    public int Layers { get; init; } = 4;                   // transformer blocks
    public int Embd { get; init; } = 128;                   // residual width
    public int Heads { get; init; } = 4;                    // attention heads
    public int StateBins { get; init; } = 256;              // bins per joint position
    public float ActionLossWeight { get; init; } = 3;       // action tokens matter most for control
    public float FrameLossWeight { get; init; } = 1;        // the next frame's tokens (the world model's imagination)
    public bool FrameOnlyAhead { get; init; }               // no frame loss where frame t+H is past the episode's end (the clamped target is nearer)
    public int ObjectBins { get; init; } = 64;              // bins per axis for the named object's position (0: no object tokens)
    public float ObjectLossWeight { get; init; } = 10;      // object tokens: where the instruction's object is (grounding)
    public bool SceneFirst { get; init; }                   // scene tokens before the state: read from text and frame only, not from the joints
    public double StepPeriodSeconds { get; init; } = 0.05;  // time between actions in the demonstrations
    public int HeldOutSamples { get; init; } = 200;         // held-out timesteps for the action error and imagination PSNRs
}

/// <summary>How well each action tokenizer compresses and reconstructs the held-out chunks.</summary>
public sealed record ActionTokenizerReport(string Kind, double TokensPerChunk, double CompressionRatio, double MeanAbsError, double MaxAbsError);

/// <summary>
/// What training measured on held-out episodes, PSNRs in dB against the true frame H steps ahead: the imagined frame
/// rendered against the current one (what <see cref="ModelBundle.Imagine"/> returns: the expected frame under the
/// model's per-cell belief, <see cref="ModelBundle.RenderExpected"/>), its greedy codes rendered as they are
/// (<c>ImaginedGreedyPsnr</c>) and through the decoder alone,
/// the copy-last-frame baseline, and the same two renderings of the true frame's own codes (the tokenizer's ceiling).
/// <c>HeldOutObjectError</c>: mean distance in metres between the decoded object position and the true one (NaN without object tokens);
/// <c>HeldOutGoalError</c> the same for the goal (NaN for checkpoints whose scene tokens name only the object);
/// <c>HeldOutWaypointError</c> the same in 3-D for the tip's waypoint at the chunk's end (NaN for checkpoints without it).
/// <c>ImaginedGainMargin95</c>: half-width of the 95% interval of the mean imagined-minus-copy-last gain over the samples.
/// </summary>
public sealed record ModelReport(
    int Step, double TrainLoss, long Parameters, int Sequences, int BlockSize, double TokensPerSecond, double Seconds,
    ActionTokenizerReport[] ActionTokenizers, double HeldOutActionMae, double ImaginedPsnr, double ImaginedDecoderOnlyPsnr, double CopyLastPsnr,
    double TokenizerPsnr, double TokenizerDecoderOnlyPsnr, int ImaginationSamples, double HeldOutObjectError = double.NaN, double HeldOutGoalError = double.NaN,
    double HeldOutWaypointError = double.NaN, double ImaginedGainMargin95 = double.NaN, double ImaginedGreedyPsnr = double.NaN);

/// <summary>
/// Trains the world model on tokenized demonstrations: each sequence is the instruction, one timestep and the frame
/// H steps later, <c>BOS text BOI img EOI BOSt s EOSt [BOOb scene… EOOb] BOA a EOA BOI img' EOI</c>, so the model learns actions from a
/// frame (policy) and the frame H steps later from the actions (world model). Every 10th episode is held out.
/// Blocking; runs on the calling thread.
/// </summary>
public static class ModelTrainer
{
    public const string WeightsFile = "world_model.safetensors";
    public const string TrainWeightsFile = "world_model_train.safetensors";   // with a weight average: the optimiser's own weights, for --resume

    public static ModelReport Train(IReadOnlyList<Episode> episodes, string tokenizerPath, ModelTrainSettings s, string outDir, TrainOptions o,
        IProgress<TrainProgress>? progress = null, Action<string>? status = null, CancellationToken ct = default)
    {
        Runtime.TorchRuntime.EnsureLoadable();
        torch.set_num_threads(o.Threads);
        Directory.CreateDirectory(outDir);
        if (episodes.Count == 0)
            throw new InvalidDataException("no episodes to train on");
        var dims = episodes[0].Dims;
        if (episodes.Any(e => e.Dims != dims))
            throw new InvalidDataException("episodes disagree on the number of joints");
        var trainEp = episodes.Where((_, i) => i % 10 != 9 || episodes.Count < 10).ToList();
        var heldEp = episodes.Where((_, i) => i % 10 == 9).ToList();

        status?.Invoke("encoding frames with the image tokenizer");
        int[][][] codes;
        FsqConfig fsqConfig;
        float[] codePatches = [];
        using (var fsq = TokenizerTrainer.Load(tokenizerPath))
        {
            fsqConfig = fsq.Config;
            codes = episodes.Select(e => EncodeFrames(fsq, e)).ToArray();
            if (s.CodePixels && s.DigitEmbeddings)
            {
                using var noGrad = no_grad();
                using var patchScope = NewDisposeScope();
                codePatches = fsq.CodePatches().data<float>().ToArray();
            }
        }
        var codeOf = episodes.Select((e, i) => (e, i)).ToDictionary(p => p.e, p => codes[p.i]);

        status?.Invoke("fitting normalisers and action tokenizers");
        var init = o.InitFrom is null ? null : FineTune.Read(o.InitFrom, fsqConfig, s);
        if (init is not null && init.State.Dims != dims)
            throw new CheckpointException($"--init-from: the checkpoint's robot has {init.State.Dims} joints, the data {dims}");
        var stateNorm = init?.State ?? Normalizer.Fit(trainEp.SelectMany(e => e.States), dims);
        var chunks = trainEp.SelectMany(e => Enumerable.Range(0, e.Steps).Select(t => e.Chunk(t, s.Horizon, s.ActionFrame))).ToList();
        var actNorm = Normalizer.Fit(chunks.SelectMany(c => c), dims);
        var bins = new BinActionTokenizer(s.Horizon, actNorm);
        var fast = FastActionTokenizer.Train(chunks.Where((_, i) => i % 2 == 0), s.Horizon, actNorm);
        var heldChunks = (heldEp.Count > 0 ? heldEp : trainEp).SelectMany(e => Enumerable.Range(0, e.Steps).Select(t => e.Chunk(t, s.Horizon, s.ActionFrame))).ToList();
        var actReports = new[] { Measure(bins, heldChunks), Measure(fast, heldChunks) };
        IActionTokenizer actions = init?.Actions.Build() ?? s.ActionTokenizer switch
        {
            "bins" => bins,
            "fast" => fast,
            _ => throw new ArgumentException($"unknown action tokenizer '{s.ActionTokenizer}' (bins or fast)"),
        };

        // Object tokens only when every training episode says where its object is (sim datasets since session 3).
        var objectNorm = init is not null ? init.Objects
            : s.ObjectBins > 0 && trainEp.TrueForAll(e => e.Objects is not null)
            ? Normalizer.Fit(trainEp.SelectMany(e => e.Objects!), trainEp[0].Objects![0].Length) : null;
        if (objectNorm is not null && trainEp.Exists(e => e.Objects is null || e.Objects[0].Length != objectNorm.Dims))
            throw new InvalidDataException($"--init-from: the checkpoint's scene tokens have {objectNorm.Dims} values, which some episodes do not provide");
        if (objectNorm is null)
            status?.Invoke("no object positions in the data: training without object tokens");

        SequenceLayout layout;
        WorldModelConfig config;
        ModelManifest manifest;
        if (init is null)
        {
            const int maxInstr = 32;
            var objectBins = objectNorm is null ? 0 : s.ObjectBins;
            var vocab = new Vocabulary(fsqConfig.CodebookSize, s.StateBins, actions.VocabSize, objectBins, objectNorm?.Dims ?? Vocabulary.SceneDims);
            layout = new SequenceLayout(vocab, fsqConfig.Grid, dims, maxInstr, PadInstruction: s.AbsolutePositions, SceneFirst: s.SceneFirst && objectNorm is not null);
            var longest = layout.LongestSequence(actions.MaxTokens);
            config = new WorldModelConfig
            {
                VocabSize = vocab.Size, BlockSize = (longest + 31) / 32 * 32,
                Layers = s.Layers, Embd = s.Embd, Heads = s.Heads,
                ImageOffset = vocab.ImageOffset, ImageLevels = s.DigitEmbeddings ? fsqConfig.Levels : [], AbsolutePositions = s.AbsolutePositions,
                CodeFeatures = codePatches.Length / fsqConfig.CodebookSize, TextNgramBuckets = s.TextNgramBuckets,
            };
            manifest = new ModelManifest(fsqConfig, config, actions.ToConfig(), stateNorm, s.StateBins, maxInstr, s.StepPeriodSeconds, o.Seed, 0, "", s.ActionFrame,
                objectBins, objectNorm, layout.SceneFirst);
        }
        else
        {
            manifest = init with { Seed = o.Seed, Step = 0 };
            layout = manifest.Layout;
            config = manifest.Model;
        }

        var samples = new List<(int[] Ids, float[] W)>();
        foreach (var e in trainEp)
            for (var t = 0; t < e.Steps; t++)
                samples.Add(BuildSample(layout, actions, manifest, e, codeOf[e], t, s, config.BlockSize));
        if (samples.Count == 0)
            throw new InvalidDataException($"episodes are shorter than the chunk horizon {s.Horizon}");

        torch.manual_seed(o.Seed);
        using var model = new WorldModel(config);
        if (config.CodeFeatures > 0 && init is null)   // a fine-tuned model loads its table with the weights below
        {
            using var table = tensor(codePatches, fsqConfig.CodebookSize, config.CodeFeatures);
            model.SetCodePixels(table);
        }
        if (o.InitFrom is not null)
        {
            ModuleWeights.Load(model, FineTune.WeightsIn(o.InitFrom));
            status?.Invoke($"starting from the weights in {o.InitFrom} (step {init!.Step})");
        }
        var weights = Path.Combine(outDir, WeightsFile);
        var optimPath = Path.Combine(outDir, "model_optim.bin");
        var log = new LossLog(Path.Combine(outDir, "model_loss.csv"));
        var opt = optim.AdamW(model.parameters(), o.LearningRate, beta2: 0.95, weight_decay: 0.05);
        // With a weight average, world_model.safetensors holds the average and the training weights are kept beside it.
        var trainWeights = o.WeightAverage > 0 && File.Exists(Path.Combine(outDir, TrainWeightsFile)) ? Path.Combine(outDir, TrainWeightsFile) : weights;
        if (o.Resume && o.WeightAverage > 0 && File.Exists(weights))
            ModuleWeights.Load(model, weights);                                          // the average so far
        using var average = o.WeightAverage > 0 ? new WeightAverage(model, o.WeightAverage) : null;
        var start = o.Resume ? Resume.From(model, trainWeights, opt, optimPath, log) : 0;
        if (start > 0)
            status?.Invoke($"resumed at step {start}");
        var tokenizerCopy = Path.Combine(outDir, TokenizerTrainer.WeightsFile);
        if (Path.GetFullPath(tokenizerPath) != Path.GetFullPath(tokenizerCopy))   // re-measuring a model dir names its own copy
            File.Copy(tokenizerPath, tokenizerCopy, overwrite: true);
        status?.Invoke($"{samples.Count} sequences of ≤{config.BlockSize} tokens, {Parameters(model):N0} parameters");

        model.train();
        var sw = Stopwatch.StartNew();
        double last = double.NaN;
        long tokens = 0;
        for (var step = start; step < o.Steps; step++)
        {
            ct.ThrowIfCancellationRequested();
            using (var scope = NewDisposeScope())
            {
                var rng = o.BatchRandom(step);
                var pick = Enumerable.Range(0, o.Batch).Select(_ => samples[rng.Next(samples.Count)]).ToList();
                var (x, y, w) = Batch(pick, config.BlockSize);
                var lr = o.LearningRateAt(step);
                last = TrainStep.Apply(Loss(model, x, y, w), model, opt, lr);
                average?.Update(step);
                tokens += x.numel();
                log.Add(step + 1, last, lr);
            }
            progress?.Report(new TrainProgress(step + 1, o.Steps, last, tokens / sw.Elapsed.TotalSeconds, "tokens/s"));
            if ((step + 1) % o.CheckpointEvery == 0 || step + 1 == o.Steps)
                Save(model, average, opt, manifest with { Step = step + 1 }, optimPath, outDir, log);
        }
        if (!File.Exists(weights))
            Save(model, average, opt, manifest with { Step = start }, optimPath, outDir, log);
        var tps = tokens / Math.Max(1e-9, sw.Elapsed.TotalSeconds);

        status?.Invoke("evaluating on held-out episodes");
        var reportPath = Path.Combine(outDir, "model_report.json");
        // Re-measuring a finished run (resumed at its last step, e.g. after adding a renderer) keeps its training numbers.
        var trained = start >= o.Steps && File.Exists(reportPath) ? JsonSerializer.Deserialize<ModelReport>(File.ReadAllText(reportPath), ModelManifest.Json) : null;
        var report = Evaluate(outDir, heldEp.Count > 0 ? heldEp : trainEp, s.HeldOutSamples, Path.Combine(outDir, "imagination_samples.png")) with
        {
            Step = Math.Max(start, o.Steps), TrainLoss = trained?.TrainLoss ?? last, Parameters = Parameters(model), Sequences = samples.Count,
            BlockSize = config.BlockSize, TokensPerSecond = trained?.TokensPerSecond ?? tps, Seconds = trained?.Seconds ?? sw.Elapsed.TotalSeconds,
            ActionTokenizers = actReports,
        };
        File.WriteAllText(reportPath, JsonSerializer.Serialize(report, ModelManifest.Json));
        return report;
    }

    /// <summary>Weighted next-token cross-entropy; x, y [B,T] int64, w [B,T] (0 for padding and unpredictable tokens).</summary>
    public static Tensor Loss(WorldModel model, Tensor x, Tensor y, Tensor w)
    {
        var weights = w.flatten();                                                       // (B·T)
        var rows = weights.nonzero().squeeze(1);                                         // (N) positions with a loss
        var logits = model.ForwardAt(x, rows);                                           // (N, V)
        var ce = nn.functional.cross_entropy(logits, y.flatten().index_select(0, rows), reduction: nn.Reduction.None);
        return (ce * weights.index_select(0, rows)).sum() / weights.sum().clamp_min(1e-6);
    }

    /// <summary>Stacks samples into inputs x = ids[:-1], targets y = ids[1:], weights w = W[1:], each [B, BlockSize-1].</summary>
    public static (Tensor X, Tensor Y, Tensor W) Batch(IReadOnlyList<(int[] Ids, float[] W)> pick, int blockSize)
    {
        var n = pick.Count;
        // Trim the shared padding: the batch is as long as its longest sequence.
        blockSize = Math.Min(blockSize, pick.Max(p => Array.FindLastIndex(p.Ids, id => id != Vocabulary.Pad) + 1) + 1);
        blockSize = Math.Max(blockSize, 2);
        var xs = new long[n * (blockSize - 1)];
        var ys = new long[n * (blockSize - 1)];
        var ws = new float[n * (blockSize - 1)];
        for (var b = 0; b < n; b++)
            for (var i = 0; i < blockSize - 1; i++)
            {
                xs[b * (blockSize - 1) + i] = pick[b].Ids[i];
                ys[b * (blockSize - 1) + i] = pick[b].Ids[i + 1];
                ws[b * (blockSize - 1) + i] = pick[b].W[i + 1];
            }
        return (tensor(xs, n, blockSize - 1), tensor(ys, n, blockSize - 1), tensor(ws, n, blockSize - 1));
    }

    /// <summary>
    /// One training sequence: <c>BOS text  BOI img_t EOI  BOSt s_t EOSt  [BOOb scene… EOOb]  BOA a_t… EOA  BOI img_t+H EOI</c>
    /// (the state after the scene span with <see cref="SequenceLayout.SceneFirst"/>), padded to <paramref name="blockSize"/>; cells of img_t+H whose code equals img_t's are KEEP. Weights: 0 for the
    /// given context (text, first frame, state), the object weight for the named object's position (when the layout has
    /// it), the action weight for the actions, the frame weight for the frame H steps later (clamped to the last frame near the end;
    /// weight 0 there with <see cref="ModelTrainSettings.FrameOnlyAhead"/>).
    /// </summary>
    public static (int[] Ids, float[] W) BuildSample(SequenceLayout layout, IActionTokenizer actions, ModelManifest manifest, Episode e, int[][] codes, int t, ModelTrainSettings s, int blockSize)
    {
        var seq = new List<int>(blockSize);
        var w = new List<float>(blockSize);
        void Mark(float weight) { while (w.Count < seq.Count) w.Add(weight); }
        layout.Instruction(seq, e.Instruction);
        layout.Observation(seq, codes[t], e.States[t], manifest.State);
        Mark(0);
        if (layout.HasObject)
        {
            layout.Object(seq, e.Objects![t], manifest.Objects!);
            Mark(s.ObjectLossWeight);
        }
        layout.AfterScene(seq, e.States[t], manifest.State);
        Mark(0);
        layout.Actions(seq, actions.Encode(e.Chunk(t, s.Horizon, s.ActionFrame)));
        Mark(s.ActionLossWeight);
        layout.Image(seq, codes[e.FrameAhead(t, s.Horizon)], codes[t]);
        Mark(s.FrameOnlyAhead && !e.HasFrameAhead(t, s.Horizon) ? 0 : s.FrameLossWeight);
        if (seq.Count > blockSize)
            throw new InvalidOperationException($"sample of {seq.Count} tokens exceeds block size {blockSize}");
        while (seq.Count < blockSize) { seq.Add(Vocabulary.Pad); w.Add(0); }
        return ([.. seq], [.. w]);
    }

    private static int[][] EncodeFrames(FsqImageTokenizer fsq, Episode e)
    {
        using var noGrad = no_grad();
        var result = new List<int[]>();
        var size = fsq.Config.ImageSize;
        for (var i = 0; i < e.Steps; i += 128)
        {
            using var scope = NewDisposeScope();
            var part = e.Frames.Skip(i).Take(128).ToList();
            var c = fsq.Codes(ImageOps.ToTensor(part, size));
            var flat = c.to_type(ScalarType.Int32).data<int>().ToArray();
            var per = fsq.Config.TokensPerImage;
            for (var j = 0; j < part.Count; j++)
                result.Add(flat.AsSpan(j * per, per).ToArray());
        }
        return [.. result];
    }

    private static ActionTokenizerReport Measure(IActionTokenizer tok, IReadOnlyList<float[][]> chunks)
    {
        double tokens = 0, sumErr = 0, maxErr = 0;
        long n = 0;
        foreach (var c in chunks)
        {
            var ids = tok.Encode(c);
            tokens += ids.Length;
            var back = tok.Decode(ids);
            for (var s = 0; s < c.Length; s++)
                for (var d = 0; d < c[s].Length; d++)
                {
                    var err = Math.Abs(back[s][d] - c[s][d]);
                    sumErr += err;
                    maxErr = Math.Max(maxErr, err);
                    n++;
                }
        }
        var per = tokens / Math.Max(1, chunks.Count);
        return new ActionTokenizerReport(tok.Kind, per, tok.MaxTokens / Math.Max(1e-9, per), sumErr / Math.Max(1, n), maxErr);
    }

    /// <summary>
    /// Held-out action error (policy decode vs demonstration) and imagination PSNR H steps ahead vs copy-last-frame.
    /// Imagination is scored only at timesteps whose frame H steps ahead exists: near an episode's end the sequences
    /// clamp the target to the last frame, which is then fewer than H steps ahead (at the last step, the current frame
    /// itself, where copy-last scores the 99 dB cap of an exact match).
    /// The horizon is the checkpoint's chunk length. <paramref name="galleryPng"/>: where the PNG of imagined samples goes
    /// (null: none).
    /// </summary>
    public static ModelReport Evaluate(string modelDir, IReadOnlyList<Episode> held, int maxSamples = 200, string? galleryPng = null)
    {
        using var bundle = ModelBundle.Load(modelDir, threads: 0, warmUpTicks: 0);
        var horizon = bundle.Manifest.Actions.Horizon;
        var rng = new Random(7);
        var picks = held.SelectMany(e => Enumerable.Range(0, e.Steps).Select(t => (e, t))).OrderBy(_ => rng.Next()).Take(maxSamples).ToList();
        double mae = 0;
        long n = 0;
        // Scene error sums and counts: object (x, y), goal (x, y), waypoint (x, y, z).
        var sceneError = new double[3];
        var sceneCount = new long[3];
        foreach (var (e, t) in picks)
        {
            var pred = bundle.PredictActions(e.Instruction, e.Frames[t], e.States[t]);
            var truth = e.Chunk(t, horizon, ActionFrame.Absolute);
            for (var s = 0; s < horizon; s++)
                for (var d = 0; d < e.Dims; d++) { mae += Math.Abs(pred.Targets[s][d] - truth[s][d]); n++; }
            if (pred.Object is { } scene && e.Objects is { } places)
            {
                foreach (var (part, at, count) in new[] { (0, 0, 2), (1, 2, 2), (2, 4, 3) })
                    if (scene.Length >= at + count && places[t].Length >= at + count)
                    {
                        sceneError[part] += TensorPrimitives.Distance(scene.AsSpan(at, count), places[t].AsSpan(at, count));
                        sceneCount[part]++;
                    }
            }
        }
        var aheadRng = new Random(7);
        var ahead = held.SelectMany(e => Enumerable.Range(0, Math.Max(0, e.Steps - horizon)).Select(t => (e, t))).OrderBy(_ => aheadRng.Next()).Take(maxSamples).ToList();
        double imagined = 0, greedy = 0, imaginedRaw = 0, copy = 0, recon = 0, reconRaw = 0;
        var gains = new List<double>(ahead.Count);
        var gallery = new List<byte[]>[] { [], [], [] };
        foreach (var (e, t) in ahead)
        {
            var next = e.Frames[t + horizon];
            var belief = new Decoding.CellBelief(bundle.Layout.Grid * bundle.Layout.Grid);
            var codes = bundle.ImagineCodes(e.Instruction, e.Frames[t], e.States[t], bundle.ActionTokenizer.Encode(e.Chunk(t, horizon, bundle.Manifest.ActionFrame)), out var now, belief);
            var img = codes is null ? null : bundle.RenderExpected(codes, belief, e.Frames[t], now);
            greedy += codes is null ? 0 : ImageOps.Psnr(bundle.RenderAgainst(codes, e.Frames[t], now), next);
            var psnr = img is null ? 0 : ImageOps.Psnr(img, next);
            var copied = ImageOps.Psnr(e.Frames[t], next);
            imagined += psnr;
            copy += copied;
            gains.Add(psnr - copied);
            imaginedRaw += codes is null ? 0 : ImageOps.Psnr(bundle.DecodeCodes(codes), next);
            if (gallery[0].Count < 8 && img is not null)
            {
                gallery[0].Add(e.Frames[t]);
                gallery[1].Add(next);
                gallery[2].Add(img);
            }
            var trueCodes = bundle.EncodeFrame(next);
            recon += ImageOps.Psnr(bundle.RenderAgainst(trueCodes, e.Frames[t], now), next);
            reconRaw += ImageOps.Psnr(bundle.DecodeCodes(trueCodes), next);
        }
        var k = Math.Max(1, ahead.Count);
        if (gallery[0].Count > 0 && galleryPng is not null)
            PngPlot.Grid(galleryPng, [.. gallery[0], .. gallery[1], .. gallery[2]], bundle.ImageSize, 3);
        return new ModelReport(0, 0, 0, 0, 0, 0, 0, [], mae / Math.Max(1, n), imagined / k, imaginedRaw / k, copy / k, recon / k, reconRaw / k, ahead.Count,
            SceneMean(0), SceneMean(1), SceneMean(2), Margin95(gains), greedy / k);

        double SceneMean(int part) => sceneCount[part] > 0 ? sceneError[part] / sceneCount[part] : double.NaN;
    }

    /// <summary>Half-width of the normal 95% interval of the mean of <paramref name="values"/> (NaN below two).</summary>
    public static double Margin95(IReadOnlyList<double> values)
    {
        if (values.Count < 2)
            return double.NaN;
        var mean = values.Average();
        var variance = values.Sum(v => (v - mean) * (v - mean)) / (values.Count - 1);
        return 1.96 * Math.Sqrt(variance / values.Count);
    }

    private static long Parameters(WorldModel m) => m.parameters().Sum(p => p.numel());

    private static void Save(WorldModel model, WeightAverage? average, TorchSharp.Modules.AdamW opt, ModelManifest manifest, string optimPath, string outDir, LossLog log)
    {
        if (average is null)
        {
            SaveCheckpoint(model, manifest, outDir);
        }
        else
        {
            SaveCheckpoint(model, manifest, outDir, TrainWeightsFile);
            using (average.Applied())
                SaveCheckpoint(model, manifest, outDir);
        }
        opt.save_state_dict(optimPath);
        log.Write("world model loss (weighted CE)");
    }

    /// <summary>Writes world_model.safetensors (or <paramref name="file"/>; manifest in its metadata) and config.json into <paramref name="dir"/>.</summary>
    public static void SaveCheckpoint(WorldModel model, ModelManifest manifest, string dir, string file = WeightsFile)
    {
        var json = manifest.ToJson();
        ModuleWeights.Save(model, Path.Combine(dir, file), new Dictionary<string, string>
        {
            ["kind"] = "world-model",
            ["manifest"] = json,
            ["step"] = manifest.Step.ToString(CultureInfo.InvariantCulture),
        });
        File.WriteAllText(Path.Combine(dir, "config.json"), json);
    }
}
