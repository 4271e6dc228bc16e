using Controller.Abstractions;
using Controller.Model.Benchmarks;
using Controller.Model.Policy;
using Controller.Model.Runtime;
using Controller.Model.Training;
using Controller.Sim;
using Controller.Sim.Policies;
using Controller.Sim.Tasks;

namespace Controller.Cli.Bench;

/// <summary>
/// The world model's hot paths in one run: control tick (frame → action chunk) percentiles, KV-cached vs
/// recomputed decoding of 64 tokens, and training throughput as a fraction of the matmul peak measured here.
/// Uses models/default when present, else a random model of the same architecture (timings only).
/// </summary>
public sealed class ModelBench : IBenchSuite
{
    public string Name => "model";

    public string Description => "World model: control tick p50/p99, KV cache speed-up, training throughput vs matmul peak";

    public Task<IReadOnlyList<BenchResult>> RunAsync(BenchContext context, CancellationToken cancellationToken) => Task.Run(() => Run(context), cancellationToken);

    /// <summary>
    /// What the policy sees in use: the sim arm's observations (64×64 overhead frame, joints, instruction) along
    /// expert episodes of reach and push, alternating, several seeds. Rendering happens here, outside the timing.
    /// </summary>
    private static List<Observation> SimObservations(int count)
    {
        var profile = RobotProfileLoader.Load("sim-arm");
        var result = new List<Observation>(count);
        var seed = 0UL;
        while (result.Count < count)
        {
            foreach (var task in new[] { "reach", "push" })       // the evaluated tasks (the other push variants are training data)
            {
                using var env = new SimEnv(profile, TaskRegistry.Create(task), new SimEnvOptions { Render = true });
                var expert = PolicyFactory.Create("expert", new PolicyContext(env, seed));
                EpisodeRunner.Run(env, expert, seed, step =>
                {
                    if (result.Count < count && step.Index % 2 == 0)
                        result.Add(step.Observation);
                });
            }
            seed++;
        }
        return result;
    }

    private static IReadOnlyList<BenchResult> Run(BenchContext context)
    {
        // Inference is latency-bound on small ops: one intra-op thread avoids OpenMP barriers on a busy machine.
        var inferThreads = int.TryParse(Environment.GetEnvironmentVariable("MODEL_INFER_THREADS"), out var it) ? it : 1;
        TorchSharp.torch.set_num_threads(inferThreads);
        var results = new List<BenchResult>();
        var shipped = Commands.TrainCommand.FindDefaultModel();
        var dir = File.Exists(Path.Combine(shipped, ModelTrainer.WeightsFile)) ? shipped : null;
        var note = dir is null ? "random weights, default architecture" : $"checkpoint {dir}";
        var scratch = dir is null ? ModelBenchmarks.RandomCheckpoint(Path.Combine(Path.GetTempPath(), "model-bench-" + Environment.ProcessId)) : null;
        using var policy = new ModelPolicy(ModelBundle.Load(dir ?? scratch!), Commands.TrainCommand.DefaultCamera);
        if (scratch is not null)
            Directory.Delete(scratch, recursive: true);   // loaded: the random weights live in memory now
        var m = policy.Bundle.Manifest;

        context.Report("model: control tick");
        var ticks = context.Quick ? 30 : 200;
        var observations = SimObservations(ticks + 5);
        var times = new List<double>();
        for (var i = 0; i < observations.Count; i++)
        {
            var sw = System.Diagnostics.Stopwatch.StartNew();
            policy.Infer(observations[i]);
            if (i >= 5)
                times.Add(sw.Elapsed.TotalMilliseconds);
        }
        times.Sort();
        double P(double q) => times[Math.Min(times.Count - 1, (int)(q * times.Count))];
        results.Add(new BenchResult("model", "tick_p50", P(0.5), "ms", "≤ 15 ms", P(0.5) <= 15, note));
        results.Add(new BenchResult("model", "tick_p99", P(0.99), "ms", "≤ 33 ms", P(0.99) <= 33, $"{ticks} ticks, {policy.Bundle.ActionTokenizer.Kind} actions"));

        context.Report("model: imagination");
        var imagined = observations.Take(context.Quick ? 10 : 40).Select(o =>
        {
            var sw = System.Diagnostics.Stopwatch.StartNew();
            policy.Imagine(o);
            return sw.Elapsed.TotalMilliseconds;
        }).Order().ToList();
        results.Add(new BenchResult("model", "imagine_p50", imagined[imagined.Count / 2], "ms",
            Note: $"median of {imagined.Count}: the model's plan, frame t+{policy.Bundle.ActionTokenizer.Horizon}'s cells (C# decoder), the renderer"));

        context.Report("model: KV cache");
        var prefix = m.Layout.ImageSpan + m.Layout.StateSpan + 10;
        // 15 repetitions: a median that one slow phase of a noisy VM does not move.
        var (cached, recompute, vector, speedup) = ModelBenchmarks.DecodeSpeed(m.Model, prefix, 64, context.Quick ? 3 : 15);
        results.Add(new BenchResult("model", "decode64_cached", cached, "ms", Note: $"prefix {prefix} tokens"));
        results.Add(new BenchResult("model", "decode64_recompute", recompute, "ms"));
        results.Add(new BenchResult("model", "kv_cache_speedup", speedup, "×", "≥ 5×", speedup >= 5, "median of the repetitions' recompute / cached ratios"));
        results.Add(new BenchResult("model", "decode64_vector", vector, "ms", Note: $"TorchSharp prefill, then C# SIMD steps: {cached / vector:F1}× the TorchSharp cached decode"));

        context.Report("model: training throughput");
        TorchSharp.torch.set_num_threads(2);
        var batch = new TrainOptions().Batch;   // what `train model` runs by default
        var (timed, untimed) = context.Quick ? (3, 1) : (11, 5);
        var train = ModelBenchmarks.TrainThroughput(m.Model, batch, timed, warmUp: untimed);
        results.Add(new BenchResult("model", "matmul_peak", train.PeakGflops, "GFLOP/s", Note: "1024³ float32, median of the samples taken before each timed step"));
        results.Add(new BenchResult("model", "train_tokens_per_s", train.TokensPerSecond, "tokens/s", Note: $"batch {batch} × {m.Model.BlockSize - 1}; median of {timed} steps after {untimed} untimed"));
        results.Add(new BenchResult("model", "train_fraction_of_peak", train.FractionOfPeak, "ratio", "≥ 0.5", train.FractionOfPeak >= 0.5,
            $"median of {timed} (step, peak just before it) pairs; {train.Gflops:F1} GFLOP/s at the median step; native heap: {NativeHeap.Status}"));
        return results;
    }
}
