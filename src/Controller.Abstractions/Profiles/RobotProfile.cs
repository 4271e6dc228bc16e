namespace Controller.Abstractions;

/// <summary>How a robot is commanded over ROS (ros2_control controller kinds).</summary>
public enum RosControlMode
{
    /// <summary>trajectory_msgs/JointTrajectory to a joint_trajectory_controller.</summary>
    JointTrajectory,

    /// <summary>std_msgs/Float64MultiArray to a forward_command_controller (position).</summary>
    ForwardPosition,

    /// <summary>control_msgs/JointJog velocity jogging (servo-style).</summary>
    Jog,
}

/// <summary>Hard limits of one joint, from the maker's public spec. Units: rad, rad/s, rad/s² (m for prismatic).</summary>
public sealed record JointLimits(string Name, double MinPosition, double MaxPosition, double MaxVelocity, double MaxAcceleration);

/// <summary>A camera the robot carries or sees from, with the ROS topic it publishes on.</summary>
public sealed record CameraSpec(string Name, int Width, int Height, string Topic);

/// <summary>ROS topic names, following ros2_control conventions.</summary>
public sealed record RosTopics(string JointStates, string JointTrajectory, string ForwardCommand, string Jog);

/// <summary>
/// Joint-space workspace: per-joint soft bounds, inside the hard limits, that the safety layer
/// enforces on every command. Cartesian bounds are not checked (no kinematics at this layer).
/// </summary>
public sealed record JointWorkspace(double[] Min, double[] Max);

/// <summary>Everything the controller needs to know about one arm, loaded from robots/&lt;name&gt;/profile.json.</summary>
public sealed record RobotProfile(
    string Name,
    string Description,
    IReadOnlyList<JointLimits> Joints,
    double MaxRelativeTarget,
    JointWorkspace Workspace,
    double ControlRateHz,
    double StaleAfterMs,
    IReadOnlyList<CameraSpec> Cameras,
    RosControlMode ControlMode,
    RosTopics Topics)
{
    public int Dof => Joints.Count;

    public IReadOnlyList<string> JointNames => [.. Joints.Select(j => j.Name)];

    public TimeSpan TickPeriod => TimeSpan.FromSeconds(1.0 / ControlRateHz);

    public TimeSpan StaleAfter => TimeSpan.FromMilliseconds(StaleAfterMs);
}
