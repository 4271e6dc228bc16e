using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Controller.Model.Training;

/// <summary>The optimizer half of a training step, shared by both trainers: backward, clip, schedule, step.</summary>
internal static class TrainStep
{
    /// <summary>Applies <paramref name="loss"/>'s gradients at learning rate <paramref name="lr"/>; returns the loss value.</summary>
    public static float Apply(Tensor loss, nn.Module module, OptimizerHelper optimizer, double lr)
    {
        optimizer.zero_grad();
        loss.backward();
        nn.utils.clip_grad_norm_(module.parameters(), 1.0);
        foreach (var group in optimizer.ParamGroups)
            group.LearningRate = lr;
        optimizer.step();
        return loss.item<float>();
    }
}
