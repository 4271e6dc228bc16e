namespace Controller.Safety;

/// <summary>Why the safety layer changed a command. Flags: one command may be clamped for several reasons.</summary>
[Flags]
public enum SafetyReason
{
    None = 0,
    NonFinite = 1 << 0,
    WrongDimension = 1 << 1,
    RelativeTarget = 1 << 2,
    Workspace = 1 << 3,
    Velocity = 1 << 4,
    Acceleration = 1 << 5,
    Stale = 1 << 6,
    NotAllowed = 1 << 7,
    NoState = 1 << 8,
}
