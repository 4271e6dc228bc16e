namespace Controller.Transports.Rosbridge.Messages;

/// <summary>sensor_msgs/Image. <see cref="Data"/> is <see cref="Height"/> rows of <see cref="Step"/> bytes.</summary>
public sealed record Image(Header Header, uint Height, uint Width, string Encoding, byte IsBigendian, uint Step, byte[] Data) : IRosMessage<Image>
{
    public static RosTypeName RosType => RosTypeName.Msg("sensor_msgs", "Image");

    public RosMap ToRos(RosDialect dialect) => new()
    {
        ["header"] = Header.ToRos(dialect),
        ["height"] = (long)Height,
        ["width"] = (long)Width,
        ["encoding"] = Encoding,
        ["is_bigendian"] = (long)IsBigendian,
        ["step"] = (long)Step,
        ["data"] = Data,
    };

    public static Image FromRos(RosMap m) => new(
        Header.FromRos(m.GetMapOrNull("header")),
        (uint)m.GetLong("height", 0),
        (uint)m.GetLong("width", 0),
        m.GetStringOrNull("encoding") ?? "",
        (byte)m.GetLong("is_bigendian", 0),
        (uint)m.GetLong("step", 0),
        m.GetBytes("data"));
}

/// <summary>sensor_msgs/CompressedImage. <see cref="Format"/> is e.g. "jpeg", "png" or "rgb8; jpeg compressed bgr8".</summary>
public sealed record CompressedImage(Header Header, string Format, byte[] Data) : IRosMessage<CompressedImage>
{
    public static RosTypeName RosType => RosTypeName.Msg("sensor_msgs", "CompressedImage");

    public RosMap ToRos(RosDialect dialect) => new() { ["header"] = Header.ToRos(dialect), ["format"] = Format, ["data"] = Data };

    public static CompressedImage FromRos(RosMap m) => new(Header.FromRos(m.GetMapOrNull("header")), m.GetStringOrNull("format") ?? "", m.GetBytes("data"));
}

/// <summary>sensor_msgs/JointState. Arrays are parallel to <see cref="Name"/>; velocity and effort may be empty.</summary>
public sealed record JointState(Header Header, string[] Name, double[] Position, double[] Velocity, double[] Effort) : IRosMessage<JointState>
{
    public static RosTypeName RosType => RosTypeName.Msg("sensor_msgs", "JointState");

    public RosMap ToRos(RosDialect dialect) => new()
    {
        ["header"] = Header.ToRos(dialect),
        ["name"] = Name.Cast<object?>().ToArray(),
        ["position"] = Position,
        ["velocity"] = Velocity,
        ["effort"] = Effort,
    };

    public static JointState FromRos(RosMap m) => new(
        Header.FromRos(m.GetMapOrNull("header")), m.GetStrings("name"), m.GetDoubles("position"), m.GetDoubles("velocity"), m.GetDoubles("effort"));
}

/// <summary>sensor_msgs/CameraInfo (pinhole model). ROS 1 spells the matrices D, K, R, P; ROS 2 d, k, r, p.</summary>
public sealed record CameraInfo(Header Header, uint Height, uint Width, string DistortionModel, double[] D, double[] K, double[] R, double[] P, uint BinningX = 0, uint BinningY = 0)
    : IRosMessage<CameraInfo>
{
    public static RosTypeName RosType => RosTypeName.Msg("sensor_msgs", "CameraInfo");

    public RosMap ToRos(RosDialect dialect)
    {
        var ros2 = dialect == RosDialect.Ros2;
        return new RosMap
        {
            ["header"] = Header.ToRos(dialect),
            ["height"] = (long)Height,
            ["width"] = (long)Width,
            ["distortion_model"] = DistortionModel,
            [ros2 ? "d" : "D"] = D,
            [ros2 ? "k" : "K"] = K,
            [ros2 ? "r" : "R"] = R,
            [ros2 ? "p" : "P"] = P,
            ["binning_x"] = (long)BinningX,
            ["binning_y"] = (long)BinningY,
            ["roi"] = new RosMap { ["x_offset"] = 0L, ["y_offset"] = 0L, ["height"] = 0L, ["width"] = 0L, ["do_rectify"] = false },
        };
    }

    public static CameraInfo FromRos(RosMap m)
    {
        double[] Either(string upper, string lower) => m.ContainsKey(upper) ? m.GetDoubles(upper) : m.GetDoubles(lower);
        return new CameraInfo(Header.FromRos(m.GetMapOrNull("header")), (uint)m.GetLong("height", 0), (uint)m.GetLong("width", 0),
            m.GetStringOrNull("distortion_model") ?? "", Either("D", "d"), Either("K", "k"), Either("R", "r"), Either("P", "p"),
            (uint)m.GetLong("binning_x", 0), (uint)m.GetLong("binning_y", 0));
    }

    /// <summary>An ideal pinhole camera with focal length <paramref name="f"/> px and the principal point at the centre.</summary>
    public static CameraInfo Pinhole(Header header, int width, int height, double f)
    {
        double cx = width / 2.0, cy = height / 2.0;
        return new CameraInfo(header, (uint)height, (uint)width, "plumb_bob", [0, 0, 0, 0, 0], [f, 0, cx, 0, f, cy, 0, 0, 1], [1, 0, 0, 0, 1, 0, 0, 0, 1], [f, 0, cx, 0, 0, f, cy, 0, 0, 0, 1, 0]);
    }
}
