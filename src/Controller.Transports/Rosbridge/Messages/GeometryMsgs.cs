namespace Controller.Transports.Rosbridge.Messages;

/// <summary>geometry_msgs/Vector3 (also used for Point fields). Units follow the enclosing message (m, m/s, rad/s).</summary>
public readonly record struct Vector3(double X, double Y, double Z)
{
    public RosMap ToRos() => new() { ["x"] = X, ["y"] = Y, ["z"] = Z };

    public static Vector3 FromRos(RosMap? m) => m is null ? default : new(m.GetDouble("x", 0), m.GetDouble("y", 0), m.GetDouble("z", 0));
}

/// <summary>geometry_msgs/Quaternion (x, y, z, w).</summary>
public readonly record struct Quaternion(double X, double Y, double Z, double W)
{
    public static Quaternion Identity => new(0, 0, 0, 1);

    public RosMap ToRos() => new() { ["x"] = X, ["y"] = Y, ["z"] = Z, ["w"] = W };

    public static Quaternion FromRos(RosMap? m) => m is null ? Identity : new(m.GetDouble("x", 0), m.GetDouble("y", 0), m.GetDouble("z", 0), m.GetDouble("w", 1));
}

/// <summary>geometry_msgs/Twist: linear (m/s) and angular (rad/s) velocity.</summary>
public sealed record Twist(Vector3 Linear, Vector3 Angular) : IRosMessage<Twist>
{
    public static RosTypeName RosType => RosTypeName.Msg("geometry_msgs", "Twist");

    public RosMap ToRos(RosDialect dialect) => new() { ["linear"] = Linear.ToRos(), ["angular"] = Angular.ToRos() };

    public static Twist FromRos(RosMap m) => new(Vector3.FromRos(m.GetMapOrNull("linear")), Vector3.FromRos(m.GetMapOrNull("angular")));
}

/// <summary>geometry_msgs/TwistStamped.</summary>
public sealed record TwistStamped(Header Header, Twist Twist) : IRosMessage<TwistStamped>
{
    public static RosTypeName RosType => RosTypeName.Msg("geometry_msgs", "TwistStamped");

    public RosMap ToRos(RosDialect dialect) => new() { ["header"] = Header.ToRos(dialect), ["twist"] = Twist.ToRos(dialect) };

    public static TwistStamped FromRos(RosMap m) => new(Header.FromRos(m.GetMapOrNull("header")), Twist.FromRos(m.GetMapOrNull("twist") ?? []));
}

/// <summary>geometry_msgs/Pose: position (m) and orientation.</summary>
public sealed record Pose(Vector3 Position, Quaternion Orientation) : IRosMessage<Pose>
{
    public static RosTypeName RosType => RosTypeName.Msg("geometry_msgs", "Pose");

    public RosMap ToRos(RosDialect dialect) => new() { ["position"] = Position.ToRos(), ["orientation"] = Orientation.ToRos() };

    public static Pose FromRos(RosMap m) => new(Vector3.FromRos(m.GetMapOrNull("position")), Quaternion.FromRos(m.GetMapOrNull("orientation")));
}

/// <summary>geometry_msgs/PoseStamped.</summary>
public sealed record PoseStamped(Header Header, Pose Pose) : IRosMessage<PoseStamped>
{
    public static RosTypeName RosType => RosTypeName.Msg("geometry_msgs", "PoseStamped");

    public RosMap ToRos(RosDialect dialect) => new() { ["header"] = Header.ToRos(dialect), ["pose"] = Pose.ToRos(dialect) };

    public static PoseStamped FromRos(RosMap m) => new(Header.FromRos(m.GetMapOrNull("header")), Pose.FromRos(m.GetMapOrNull("pose") ?? []));
}
