namespace Controller.Transports.Rosbridge;

/// <summary>
/// A ROS interface name independent of the ROS generation: package, kind (msg, srv, action) and name.
/// <c>sensor_msgs/Image</c> and <c>sensor_msgs/msg/Image</c> parse to the same value, so one build
/// talks to ROS 1 and ROS 2 bridges.
/// </summary>
public readonly record struct RosTypeName(string Package, string Kind, string Name)
{
    public static RosTypeName Msg(string package, string name) => new(package, "msg", name);

    public static RosTypeName Srv(string package, string name) => new(package, "srv", name);

    public static RosTypeName Action(string package, string name) => new(package, "action", name);

    /// <summary>The name as <paramref name="dialect"/> spells it.</summary>
    public string Format(RosDialect dialect) => dialect == RosDialect.Ros2 ? $"{Package}/{Kind}/{Name}" : $"{Package}/{Name}";

    public override string ToString() => Format(RosDialect.Ros2);

    /// <summary>Parses "pkg/Name" (ROS 1, kind defaults to <paramref name="defaultKind"/>) or "pkg/kind/Name" (ROS 2).</summary>
    public static RosTypeName Parse(string text, string defaultKind = "msg")
    {
        var parts = text.Split('/');
        return parts switch
        {
            [var p, var n] when p.Length > 0 && n.Length > 0 => new RosTypeName(p, defaultKind, n),
            [var p, var k, var n] when p.Length > 0 && k.Length > 0 && n.Length > 0 => new RosTypeName(p, k, n),
            _ => throw new RosbridgeProtocolException("bad_type", $"'{text}' is not a ROS type name (pkg/Name or pkg/msg/Name)"),
        };
    }

    /// <summary>True when two spellings name the same interface, whatever the dialect ("pkg/Name" matches any kind).</summary>
    public static bool SameType(string a, string b)
    {
        if (string.Equals(a, b, StringComparison.Ordinal))
            return true;
        var pa = a.Split('/');
        var pb = b.Split('/');
        return pa.Length >= 2 && pb.Length >= 2 && pa[0] == pb[0] && pa[^1] == pb[^1] && (pa.Length == 2 || pb.Length == 2 || pa[1] == pb[1]);
    }
}
