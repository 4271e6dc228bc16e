namespace Controller.Abstractions;

/// <summary>Measured joint state. Positions in rad (or m for prismatic joints), velocities in rad/s.</summary>
public sealed record RobotState(IReadOnlyList<string> JointNames, double[] Positions, double[] Velocities, DateTimeOffset Stamp)
{
    /// <summary>True when every position and velocity is finite and the arrays match the joint names.</summary>
    public bool IsWellFormed =>
        Positions.Length == JointNames.Count
        && (Velocities.Length == 0 || Velocities.Length == JointNames.Count)
        && Array.TrueForAll(Positions, double.IsFinite)
        && Array.TrueForAll(Velocities, double.IsFinite);
}
