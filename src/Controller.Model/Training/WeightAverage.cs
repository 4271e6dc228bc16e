using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Controller.Model.Training;

/// <summary>
/// An exponential moving average of a module's parameters (Polyak averaging, as diffusion-policy and many
/// behaviour-cloning recipes ship). The last few hundred steps' weights scatter around a minimum; their average sits
/// closer to it and varies less from one seed to the next. The decay ramps up as (1 + step) / (10 + step), so the
/// average does not remember the random initialisation.
/// </summary>
public sealed class WeightAverage : IDisposable
{
    private readonly Parameter[] live;
    private readonly Tensor[] shadow;
    private readonly double decay;

    /// <summary>Starts the average at the module's current parameters.</summary>
    public WeightAverage(nn.Module module, double decay)
    {
        if (decay is <= 0 or >= 1)
            throw new ArgumentOutOfRangeException(nameof(decay), decay, "the weight average's decay must be in (0, 1)");
        this.decay = decay;
        live = [.. module.parameters()];
        shadow = live.Select(p => p.detach().clone()).ToArray();
    }

    /// <summary>Folds the parameters after optimiser step <paramref name="step"/> (0-based) into the average.</summary>
    public void Update(int step)
    {
        var d = Math.Min(decay, (1.0 + step) / (10.0 + step));
        using var noGrad = no_grad();
        for (var i = 0; i < live.Length; i++)
            shadow[i].mul_(d).add_(live[i], alpha: 1 - d);
    }

    /// <summary>
    /// Puts the average into the module's parameters until the returned handle is disposed, which puts the training
    /// weights back (to save or measure the averaged model).
    /// </summary>
    public IDisposable Applied()
    {
        using var noGrad = no_grad();
        var saved = live.Select(p => p.detach().clone()).ToArray();
        for (var i = 0; i < live.Length; i++)
            live[i].detach().copy_(shadow[i]);
        return new Restore(live, saved);
    }

    public void Dispose()
    {
        foreach (var t in shadow)
            t.Dispose();
    }

    private sealed class Restore(Parameter[] live, Tensor[] saved) : IDisposable
    {
        public void Dispose()
        {
            using var noGrad = no_grad();
            for (var i = 0; i < live.Length; i++)
            {
                live[i].detach().copy_(saved[i]);
                saved[i].Dispose();
            }
        }
    }
}
