using System.Diagnostics;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Controller.Model.Training;

/// <summary>
/// The step loop the image tokenizer and renderer trainers share: one DisposeScope per step, the step's random source
/// from seed and step alone (so a resumed run sees the batches an uninterrupted one would), a checkpoint every
/// <see cref="TrainOptions.CheckpointEvery"/> steps and at the end.
/// </summary>
internal static class TrainLoop
{
    /// <param name="loss">Draws the step's batch from the random source and returns its loss.</param>
    /// <param name="save">Writes a checkpoint after the given (1-based) step.</param>
    /// <returns>The last step's loss (NaN when no step ran) and the seconds the loop took.</returns>
    public static (double Last, double Seconds) Run(nn.Module module, OptimizerHelper optimizer, TrainOptions o, int start, LossLog log,
        Func<Random, Tensor> loss, Action<int> save, IProgress<TrainProgress>? progress, string unit, CancellationToken ct)
    {
        var sw = Stopwatch.StartNew();
        double last = double.NaN;
        for (var step = start; step < o.Steps; step++)
        {
            ct.ThrowIfCancellationRequested();
            using (var scope = NewDisposeScope())
            {
                var lr = o.LearningRateAt(step);
                last = TrainStep.Apply(loss(o.BatchRandom(step)), module, optimizer, lr);
                log.Add(step + 1, last, lr);
            }
            progress?.Report(new TrainProgress(step + 1, o.Steps, last, (step + 1 - start) * o.Batch / sw.Elapsed.TotalSeconds, unit));
            if ((step + 1) % o.CheckpointEvery == 0 || step + 1 == o.Steps)
                save(step + 1);
        }
        return (last, sw.Elapsed.TotalSeconds);
    }
}
