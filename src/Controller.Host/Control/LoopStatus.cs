using Controller.Abstractions;
using Controller.Safety;

namespace Controller.Host.Control;

/// <summary>A snapshot of the loop for consoles and the demo. Immutable; replaced every tick.</summary>
public sealed record LoopStatus(
    long Ticks,
    ControlMode Mode,
    JointCommand? LastSent,
    SafetyReason LastReasons,
    long Holds,
    long Clamps,
    long PolicyCalls,
    long LateSteps,
    double LastTickMs,
    IReadOnlyList<string> StaleInputs,
    ModeTransition? LastTransition)
{
    public static LoopStatus Empty { get; } = new(0, ControlMode.Paused, null, SafetyReason.None, 0, 0, 0, 0, 0, [], null);
}
