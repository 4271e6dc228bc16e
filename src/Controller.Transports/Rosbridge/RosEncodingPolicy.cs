namespace Controller.Transports.Rosbridge;

/// <summary>
/// Picks the subscription compression per message type. CBOR is fastest for byte blobs and numeric
/// arrays (images, Float64MultiArray). Types with string arrays (JointState, JointTrajectory) or
/// fixed-length arrays (CameraInfo) use JSON, because rosbridge_server for ROS 1 (0.11.x) sends
/// nothing at all for CBOR on those (upstream issues #526 and #864) and only logs on its side.
/// cbor-raw also works for them when the type has a ROS 1 serializer (<see cref="Ros1Raw"/>).
/// </summary>
public static class RosEncodingPolicy
{
    private static readonly HashSet<string> Cbor = new(StringComparer.Ordinal)
    {
        "sensor_msgs/Image", "sensor_msgs/CompressedImage", "sensor_msgs/PointCloud2", "std_msgs/Float64MultiArray", "std_msgs/Float32MultiArray",
    };

    public static RosCompression For(string type)
    {
        var t = RosTypeName.Parse(type);
        return Cbor.Contains($"{t.Package}/{t.Name}") ? RosCompression.Cbor : RosCompression.None;
    }

    /// <summary>True for types a ROS 1 rosbridge_server is known to drop silently under plain CBOR.</summary>
    public static bool CborIsUnsafe(string type)
    {
        var t = RosTypeName.Parse(type);
        return $"{t.Package}/{t.Name}" is "sensor_msgs/JointState" or "trajectory_msgs/JointTrajectory" or "sensor_msgs/CameraInfo"
            or "control_msgs/JointJog" or "sensor_msgs/BatteryState" or "diagnostic_msgs/DiagnosticArray";
    }
}
