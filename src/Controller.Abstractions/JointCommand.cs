namespace Controller.Abstractions;

/// <summary>
/// One joint position target for one tick, as sent to a robot. <see cref="IsHold"/> marks a
/// command that keeps the last safe position because the requested one was refused.
/// </summary>
public sealed record JointCommand(double[] Positions, DateTimeOffset Stamp, long Sequence, CommandSource Source, bool IsHold = false);
