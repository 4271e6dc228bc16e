namespace Controller.Transports.Rosbridge.Messages;

/// <summary>control_msgs/JointJog (servo-style jogging): per-joint displacements (rad) or velocities (rad/s) over <see cref="Duration"/> s.</summary>
public sealed record JointJog(Header Header, string[] JointNames, double[] Displacements, double[] Velocities, double Duration) : IRosMessage<JointJog>
{
    public static RosTypeName RosType => RosTypeName.Msg("control_msgs", "JointJog");

    public RosMap ToRos(RosDialect dialect) => new()
    {
        ["header"] = Header.ToRos(dialect),
        ["joint_names"] = JointNames.Cast<object?>().ToArray(),
        ["displacements"] = Displacements,
        ["velocities"] = Velocities,
        ["duration"] = Duration,
    };

    public static JointJog FromRos(RosMap m) => new(
        Header.FromRos(m.GetMapOrNull("header")), m.GetStrings("joint_names"), m.GetDoubles("displacements"), m.GetDoubles("velocities"), m.GetDouble("duration", 0));
}

/// <summary>control_msgs/action/FollowJointTrajectory: goal, feedback and result of the action.</summary>
public static class FollowJointTrajectory
{
    public static RosTypeName RosType => RosTypeName.Action("control_msgs", "FollowJointTrajectory");

    /// <summary>error_code values of the result.</summary>
    public const int Successful = 0;
    public const int InvalidGoal = -1;
    public const int InvalidJoints = -2;
    public const int GoalToleranceViolated = -5;

    public sealed record Goal(JointTrajectory Trajectory, RosDuration GoalTimeTolerance = default) : IRosMessage<Goal>
    {
        public static RosTypeName RosType => FollowJointTrajectory.RosType;

        public RosMap ToRos(RosDialect dialect) => new()
        {
            ["trajectory"] = Trajectory.ToRos(dialect),
            ["path_tolerance"] = Array.Empty<object?>(),
            ["goal_tolerance"] = Array.Empty<object?>(),
            ["goal_time_tolerance"] = GoalTimeTolerance.ToRos(dialect),
        };

        public static Goal FromRos(RosMap m) => new(JointTrajectory.FromRos(m.GetMap("trajectory")), RosDuration.FromRos(m.GetMapOrNull("goal_time_tolerance")));
    }

    public sealed record Feedback(Header Header, string[] JointNames, double[] Desired, double[] Actual) : IRosMessage<Feedback>
    {
        public static RosTypeName RosType => FollowJointTrajectory.RosType;

        public RosMap ToRos(RosDialect dialect)
        {
            var error = Desired.Length == Actual.Length ? Desired.Zip(Actual, (d, a) => d - a).ToArray() : [];
            return new RosMap
            {
                ["header"] = Header.ToRos(dialect),
                ["joint_names"] = JointNames.Cast<object?>().ToArray(),
                ["desired"] = JointTrajectoryPoint.At(Desired, TimeSpan.Zero).ToRos(dialect),
                ["actual"] = JointTrajectoryPoint.At(Actual, TimeSpan.Zero).ToRos(dialect),
                ["error"] = JointTrajectoryPoint.At(error, TimeSpan.Zero).ToRos(dialect),
            };
        }

        public static Feedback FromRos(RosMap m) => new(
            Header.FromRos(m.GetMapOrNull("header")), m.GetStrings("joint_names"),
            m.GetMapOrNull("desired")?.GetDoubles("positions") ?? [], m.GetMapOrNull("actual")?.GetDoubles("positions") ?? []);
    }

    public sealed record Result(int ErrorCode, string ErrorString = "") : IRosMessage<Result>
    {
        public static RosTypeName RosType => FollowJointTrajectory.RosType;

        public RosMap ToRos(RosDialect dialect) => new() { ["error_code"] = (long)ErrorCode, ["error_string"] = ErrorString };

        public static Result FromRos(RosMap m) => new((int)m.GetLong("error_code", 0), m.GetStringOrNull("error_string") ?? "");
    }
}
