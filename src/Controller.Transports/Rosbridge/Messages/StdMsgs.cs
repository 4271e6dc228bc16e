namespace Controller.Transports.Rosbridge.Messages;

/// <summary>std_msgs/Header. <see cref="Seq"/> exists in ROS 1 only and is omitted for ROS 2.</summary>
public sealed record Header(RosTime Stamp, string FrameId = "", uint Seq = 0)
{
    public static Header Now(TimeProvider? time = null, string frameId = "") => new(RosTime.FromDateTimeOffset((time ?? TimeProvider.System).GetUtcNow()), frameId);

    public RosMap ToRos(RosDialect d)
    {
        var m = new RosMap { ["stamp"] = Stamp.ToRos(d), ["frame_id"] = FrameId };
        if (d == RosDialect.Ros1)
            m["seq"] = (long)Seq;
        return m;
    }

    public static Header FromRos(RosMap? m) => m is null
        ? new Header(new RosTime())
        : new Header(RosTime.FromRos(m.GetMapOrNull("stamp")), m.GetStringOrNull("frame_id") ?? "", (uint)m.GetLong("seq", 0));
}

/// <summary>std_msgs/String.</summary>
public sealed record StringMessage(string Data) : IRosMessage<StringMessage>
{
    public static RosTypeName RosType => RosTypeName.Msg("std_msgs", "String");

    public RosMap ToRos(RosDialect dialect) => new() { ["data"] = Data };

    public static StringMessage FromRos(RosMap map) => new(map.GetStringOrNull("data") ?? "");
}

/// <summary>std_msgs/Bool.</summary>
public sealed record BoolMessage(bool Data) : IRosMessage<BoolMessage>
{
    public static RosTypeName RosType => RosTypeName.Msg("std_msgs", "Bool");

    public RosMap ToRos(RosDialect dialect) => new() { ["data"] = Data };

    public static BoolMessage FromRos(RosMap map) => new(map.GetBool("data", false));
}

/// <summary>std_msgs/Float64MultiArray with a flat layout (no dimensions), as forward_command_controller expects.</summary>
public sealed record Float64MultiArray(double[] Data) : IRosMessage<Float64MultiArray>
{
    public static RosTypeName RosType => RosTypeName.Msg("std_msgs", "Float64MultiArray");

    public RosMap ToRos(RosDialect dialect) => new()
    {
        ["layout"] = new RosMap { ["dim"] = Array.Empty<object?>(), ["data_offset"] = 0L },
        ["data"] = Data,
    };

    public static Float64MultiArray FromRos(RosMap map) => new(map.GetDoubles("data"));
}
