namespace Controller.Transports.Rosbridge.Messages;

/// <summary>trajectory_msgs/JointTrajectoryPoint. Arrays are in the trajectory's joint order; unused ones are empty.</summary>
public sealed record JointTrajectoryPoint(double[] Positions, double[] Velocities, double[] Accelerations, double[] Effort, RosDuration TimeFromStart)
{
    public static JointTrajectoryPoint At(double[] positions, TimeSpan timeFromStart) => new(positions, [], [], [], RosDuration.FromTimeSpan(timeFromStart));

    public RosMap ToRos(RosDialect d) => new()
    {
        ["positions"] = Positions,
        ["velocities"] = Velocities,
        ["accelerations"] = Accelerations,
        ["effort"] = Effort,
        ["time_from_start"] = TimeFromStart.ToRos(d),
    };

    public static JointTrajectoryPoint FromRos(RosMap m) => new(
        m.GetDoubles("positions"), m.GetDoubles("velocities"), m.GetDoubles("accelerations"), m.GetDoubles("effort"),
        RosDuration.FromRos(m.GetMapOrNull("time_from_start")));
}

/// <summary>trajectory_msgs/JointTrajectory: timed points, relative to <see cref="Header"/>.stamp (zero stamp: start now).</summary>
public sealed record JointTrajectory(Header Header, string[] JointNames, JointTrajectoryPoint[] Points) : IRosMessage<JointTrajectory>
{
    public static RosTypeName RosType => RosTypeName.Msg("trajectory_msgs", "JointTrajectory");

    public RosMap ToRos(RosDialect dialect) => new()
    {
        ["header"] = Header.ToRos(dialect),
        ["joint_names"] = JointNames.Cast<object?>().ToArray(),
        ["points"] = Points.Select(p => (object?)p.ToRos(dialect)).ToArray(),
    };

    public static JointTrajectory FromRos(RosMap m) => new(
        Header.FromRos(m.GetMapOrNull("header")),
        m.GetStrings("joint_names"),
        [.. m.GetArray("points").Select((p, i) => p is RosMap pm
            ? JointTrajectoryPoint.FromRos(pm)
            : throw new RosbridgeProtocolException("bad_field", $"field 'points[{i}]' must be an object"))]);
}
