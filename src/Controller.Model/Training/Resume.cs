using System.Globalization;
using Controller.Model.Checkpoints;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Controller.Model.Training;

/// <summary>Continues a run from its last checkpoint: weights, optimizer state and the loss log.</summary>
internal static class Resume
{
    /// <summary>Loads what exists next to <paramref name="weights"/> and returns the step to continue from (0 when starting fresh).</summary>
    public static int From(nn.Module module, string weights, OptimizerHelper optimizer, string optimizerPath, LossLog log)
    {
        if (!File.Exists(weights))
            return 0;
        var meta = ModuleWeights.Load(module, weights);
        var start = int.Parse(meta.GetValueOrDefault("step", "0"), CultureInfo.InvariantCulture);
        if (File.Exists(optimizerPath))
            optimizer.load_state_dict(optimizerPath);
        log.Reload(start);
        return start;
    }
}
