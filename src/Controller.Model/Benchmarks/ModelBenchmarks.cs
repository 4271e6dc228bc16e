using System.Diagnostics;
using Controller.Model.Checkpoints;
using Controller.Model.Decoding;
using Controller.Model.Imaging;
using Controller.Model.Runtime;
using Controller.Model.Tokens;
using Controller.Model.Training;
using static TorchSharp.torch;

namespace Controller.Model.Benchmarks;

/// <summary>Timings for `controller bench --suite model`. Plain numbers out; tensors stay inside. Blocking.</summary>
public static class ModelBenchmarks
{
    /// <summary>
    /// Median wall time (ms) of greedy decoding <paramref name="tokens"/> tokens after a prefix, with the KV cache
    /// (one token per step), without it (the whole sequence recomputed each step), and with the cache handed to the
    /// <see cref="VectorDecoder"/> after the prefix (what a control tick does). The three run in turn within each
    /// repetition, and the speed-up is the median of the repetitions' recompute / cached ratios, so both sides of a
    /// ratio ran on the same moment of a drifting VM (as <see cref="TrainThroughput"/> pairs steps with peaks).
    /// </summary>
    public static (double CachedMs, double RecomputeMs, double VectorMs, double Speedup) DecodeSpeed(WorldModelConfig config, int prefix, int tokens, int reps)
    {
        Runtime.TorchRuntime.EnsureLoadable();
        manual_seed(1);
        using var model = new WorldModel(config);
        model.eval();
        var rng = new Random(1);
        var seq = Enumerable.Range(0, prefix).Select(_ => rng.Next(config.VocabSize)).ToList();
        double Cached()
        {
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            var sw = Stopwatch.StartNew();
            using var cache = new KvCache(config);
            var logits = Decoder.Feed(model, cache, seq);
            for (var i = 0; i < tokens; i++)
            {
                var id = (int)logits.argmax().item<long>();
                logits = Decoder.Feed(model, cache, [id]);
            }
            return sw.Elapsed.TotalMilliseconds;
        }
        double Recompute()
        {
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            var sw = Stopwatch.StartNew();
            var s = new List<int>(seq);
            for (var i = 0; i <= tokens; i++)
            {
                using var step = NewDisposeScope();
                var logits = model.call(tensor(s.Select(v => (long)v).ToArray(), 1, s.Count))[0, -1];
                s.Add((int)logits.argmax().item<long>());
            }
            return sw.Elapsed.TotalMilliseconds;
        }
        var vector = new VectorDecoder(model);
        double Vector()
        {
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            var sw = Stopwatch.StartNew();
            using var cache = new KvCache(config);
            Decoder.Prompt(model, cache, seq);
            vector.Load(cache);
            var id = seq[^1];
            for (var i = 0; i < tokens; i++)
            {
                vector.Step(id);
                id = vector.ArgmaxIn(0, config.VocabSize);
            }
            return sw.Elapsed.TotalMilliseconds;
        }
        Cached(); Recompute(); Vector(); // warm-up
        var runs = Enumerable.Range(0, reps).Select(_ => (Cached: Cached(), Recompute: Recompute(), Vector: Vector())).ToList();
        return (Median(runs.Select(x => x.Cached)), Median(runs.Select(x => x.Recompute)), Median(runs.Select(x => x.Vector)),
            Median(runs.Select(x => x.Recompute / x.Cached)));
    }

    /// <summary>
    /// Training steps on random tokens at full block size: tokens/s, model GFLOP/s and their fraction of the matmul
    /// peak, counting 6·N + 6·L·T·C FLOPs per token (weights fwd+bwd, plus attention scores and values fwd+bwd, causal
    /// half). N is <see cref="MultiplyingParameters"/>. The median of <paramref name="steps"/> timed steps after
    /// <paramref name="warmUp"/> untimed ones: a fresh process's first ~4 steps run 1.2–4× slower than the rest (native
    /// first-use costs), and a training run is thousands of steps long. The peak (<see cref="TorchInfo.MatmulGflops"/>)
    /// is measured right before each timed step and the fraction is the median of the pairs' ratios: on a shared VM
    /// the host's speed drifts within seconds, and one peak taken before all the steps measured a different machine
    /// from some of them.
    /// </summary>
    public static TrainThroughputResult TrainThroughput(WorldModelConfig config, int batch, int steps, int warmUp = 5)
    {
        Runtime.TorchRuntime.EnsureLoadable();
        manual_seed(1);
        using var model = new WorldModel(config);
        model.train();
        var opt = optim.AdamW(model.parameters(), 1e-3);
        var n = MultiplyingParameters(model);
        var t = config.BlockSize - 1;
        var rng = new Random(1);
        var samples = Enumerable.Range(0, batch).Select(_ => (Enumerable.Range(0, config.BlockSize).Select(_ => rng.Next(config.VocabSize)).ToArray(), Enumerable.Repeat(1f, config.BlockSize).ToArray())).ToList();
        double Step()
        {
            using var scope = NewDisposeScope();
            var (x, y, w) = ModelTrainer.Batch(samples, config.BlockSize);
            var sw = Stopwatch.StartNew();
            var loss = ModelTrainer.Loss(model, x, y, w);
            opt.zero_grad();
            loss.backward();
            opt.step();
            loss.item<float>();
            return sw.Elapsed.TotalSeconds;
        }
        for (var i = 0; i < warmUp; i++)
            Step();
        var flopsPerStep = batch * t * (6.0 * n + 6.0 * config.Layers * t * config.Embd);
        var pairs = Enumerable.Range(0, steps).Select(_ => (Peak: TorchInfo.MatmulGflops(reps: 3), Seconds: Step())).ToList();
        var seconds = Median(pairs.Select(p => p.Seconds));
        return new TrainThroughputResult(batch * t / seconds, flopsPerStep / seconds / 1e9, Median(pairs.Select(p => p.Peak)),
            Median(pairs.Select(p => flopsPerStep / p.Seconds / 1e9 / p.Peak)));
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted[sorted.Count / 2];
    }

    /// <summary>
    /// Weights per token that take part in a multiply-add, for a FLOP count on uniformly random tokens: embedding
    /// rows are looked up, not multiplied, and the pixel projection runs only for image codes (their share of the ids).
    /// </summary>
    public static double MultiplyingParameters(WorldModel model)
    {
        var c = model.Config;
        var lookups = model.modules().OfType<TorchSharp.Modules.Embedding>().Sum(e => e.weight!.numel());
        var imageShare = (double)c.ImageLevels.Aggregate(1, (a, b) => a * b) / c.VocabSize;
        return model.parameters().Sum(p => p.numel()) - lookups - c.CodeFeatures * c.Embd * (1 - imageShare);
    }

    /// <summary>A complete, randomly initialised checkpoint of the default architecture (timing only; it cannot control).</summary>
    public static string RandomCheckpoint(string dir, int joints = 5, int horizon = 8)
    {
        Runtime.TorchRuntime.EnsureLoadable();
        Directory.CreateDirectory(dir);
        manual_seed(1);
        var fsqConfig = new FsqConfig();
        using (var fsq = new FsqImageTokenizer(fsqConfig))
            TokenizerTrainer.SaveCheckpoint(fsq, Path.Combine(dir, TokenizerTrainer.WeightsFile), 0, 1);
        var norm = new Normalizer(Enumerable.Repeat(-1f, joints).ToArray(), Enumerable.Repeat(1f, joints).ToArray());
        var act = new BinActionTokenizer(horizon, norm).ToConfig();
        var vocab = new Vocabulary(fsqConfig.CodebookSize, 256, act.VocabSize);
        var layout = new SequenceLayout(vocab, fsqConfig.Grid, joints);
        var config = new WorldModelConfig { VocabSize = vocab.Size, BlockSize = (layout.LongestSequence(horizon * joints) + 31) / 32 * 32 };
        using var model = new WorldModel(config);
        ModelTrainer.SaveCheckpoint(model, new ModelManifest(fsqConfig, config, act, norm, 256, 32, 0.05, 1, 0, "random"), dir);
        return dir;
    }
}

/// <summary>Training throughput (medians over the timed steps) and its fraction of the matmul peak (the median of step/peak pairs).</summary>
public sealed record TrainThroughputResult(double TokensPerSecond, double Gflops, double PeakGflops, double FractionOfPeak);
