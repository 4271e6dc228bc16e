using Controller.Abstractions;

namespace Controller.Safety;

/// <summary>The command to actually send, and what the limiter did to get it.</summary>
public sealed record SafetyResult(JointCommand Command, SafetyReason Reasons)
{
    public bool IsHold => Command.IsHold;
}
