namespace Controller.Transports.Rosbridge;

/// <summary>
/// Which ROS generation a peer speaks. It changes type names (sensor_msgs/Image vs
/// sensor_msgs/msg/Image) and a few field spellings (Time: secs/nsecs vs sec/nanosec; Header.seq).
/// </summary>
public enum RosDialect
{
    Ros1,
    Ros2,
}
