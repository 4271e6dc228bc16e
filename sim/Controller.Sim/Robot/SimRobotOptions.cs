namespace Controller.Sim.Robot;

/// <summary>How <see cref="SimRobot"/> runs its scene.</summary>
public sealed record SimRobotOptions
{
    /// <summary>Task whose scene is loaded and randomised (reach, push).</summary>
    public string Task { get; init; } = "push";

    public ulong Seed { get; init; }

    /// <summary>True: one tick per profile period of wall time (from the TimeProvider). False: as fast as possible.</summary>
    public bool RealTime { get; init; } = true;

    /// <summary>Square frame size override; null uses the profile's camera sizes.</summary>
    public int? ImageSize { get; init; }
}
