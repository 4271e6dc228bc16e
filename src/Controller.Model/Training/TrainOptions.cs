namespace Controller.Model.Training;

/// <summary>Optimisation settings shared by both trainers. Same seed + same data ⇒ same run, also across resumes.</summary>
public sealed record TrainOptions
{
    public int Steps { get; init; } = 2000;            // optimiser steps in total (a resumed run continues to this)
    public int Batch { get; init; } = 16;              // sequences (model) or frames (tokenizer) per step
    public double LearningRate { get; init; } = 1e-3;  // peak AdamW rate; linear warm-up then cosine to 10%
    public int Seed { get; init; } = 1;                // weights init and batch sampling
    public bool Resume { get; init; }                  // continue from the checkpoint in the output directory
    public int CheckpointEvery { get; init; } = 200;   // steps between checkpoints (and CSV/PNG refresh)
    public int Threads { get; init; } = 2;             // torch intra-op threads; the machine is shared
    public double WeightAverage { get; init; }         // model trainer: decay of the saved weights' moving average (0: save the last step's weights)
    public string? InitFrom { get; init; }             // model trainer: start from this model directory's weights and manifest (fine-tuning)

    /// <summary>
    /// The random source of step <paramref name="step"/>'s batch: a function of seed and step alone, in every process.
    /// (<c>HashCode.Combine</c>, used before session 8, is seeded randomly per process, so runs were not repeatable.)
    /// </summary>
    public Random BatchRandom(int step) => new(unchecked(Seed * 1_000_003 + step));

    public double LearningRateAt(int step)
    {
        var warm = Math.Max(1, Math.Min(100, Steps / 10));
        if (step < warm)
            return LearningRate * (step + 1) / warm;
        var p = (double)(step - warm) / Math.Max(1, Steps - warm);
        return LearningRate * (0.1 + 0.9 * 0.5 * (1 + Math.Cos(Math.PI * Math.Min(1, p))));
    }
}

/// <summary>One progress report: step (1-based) of total, the latest loss and throughput in items per second.</summary>
public readonly record struct TrainProgress(int Step, int Total, double Loss, double ItemsPerSecond, string Unit);
