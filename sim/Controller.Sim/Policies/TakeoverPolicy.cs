using Controller.Abstractions;

namespace Controller.Sim.Policies;

/// <summary>
/// Drives with <paramref name="first"/> for the first <see cref="SwitchAt"/> ticks of an episode, then hands over to
/// <paramref name="second"/> for the rest: an expert taking over from a learned policy, so that demonstrations start
/// from the states the learned policy actually reaches (its drift and dead ends), as HG-DAgger's human
/// interventions do. <paramref name="first"/>'s chunks are cut at the switch. Both are reset with the episode;
/// <paramref name="second"/> sees its first observation at the switch. With <paramref name="stall"/> the switch also
/// comes early, as soon as the arm has stood still under <paramref name="first"/> (the detector's window): the
/// expert then takes over exactly where the learned policy got stuck. With <paramref name="nearGoal"/> it comes early
/// as soon as that returns true before a chunk (e.g. the pushed block is near its goal): the expert then shows how to
/// finish from where the learned policy brought the task. Not thread-safe.
/// </summary>
public sealed class TakeoverPolicy(IPolicy first, IPolicy second, StallDetector? stall = null, Func<bool>? nearGoal = null) : IPolicy
{
    private int _ticks;

    public string Name => $"{first.Name}→{second.Name}";

    /// <summary>The tick at which <paramref name="second"/> takes over; set before each episode, moved earlier by a stall.</summary>
    public int SwitchAt { get; set; }

    /// <summary>True when this episode's switch came early, at a stall.</summary>
    public bool SwitchedOnStall { get; private set; }

    /// <summary>True when this episode's switch came early, near the goal.</summary>
    public bool SwitchedNearGoal { get; private set; }

    /// <summary>True once <paramref name="second"/> drives.</summary>
    public bool Switched => _ticks >= SwitchAt;

    public ActionChunk Infer(Observation observation)
    {
        if (!Switched && stall?.Observe(observation.Stamp, observation.State.Positions) == true)
            (SwitchAt, SwitchedOnStall) = (_ticks, true);
        else if (!Switched && nearGoal?.Invoke() == true)
            (SwitchAt, SwitchedNearGoal) = (_ticks, true);
        if (Switched)
            return second.Infer(observation);
        var chunk = first.Infer(observation);
        var left = SwitchAt - _ticks;
        if (chunk.Steps > left)
            chunk = chunk with { Targets = chunk.Targets[..left] };
        _ticks += chunk.Steps;
        return chunk;
    }

    public void Reset()
    {
        _ticks = 0;
        SwitchedOnStall = false;
        SwitchedNearGoal = false;
        stall?.Clear();
        first.Reset();
        second.Reset();
    }
}
