namespace Controller.Transports.Bus;

/// <summary>
/// The one topic scheme of the bus: <c>wm/v1/&lt;cell&gt;/&lt;robot&gt;/&lt;leaf&gt;</c>, used verbatim as MQTT topics
/// and as ZeroMQ PUB/SUB topic frames. Leaves: state, camera/&lt;name&gt;, actions, command, mode, estop, ack, birth, death.
/// Cell, robot and camera names are single topic levels: no '/', '+', '#', spaces or NUL. Immutable and thread-safe.
/// </summary>
public sealed record BusTopics
{
    public const string Prefix = "wm/v1";

    public BusTopics(string cell, string robot)
    {
        Cell = CheckLevel(cell, nameof(cell));
        Robot = CheckLevel(robot, nameof(robot));
        Root = $"{Prefix}/{Cell}/{Robot}";
    }

    public string Cell { get; }

    public string Robot { get; }

    /// <summary><c>wm/v1/&lt;cell&gt;/&lt;robot&gt;</c>.</summary>
    public string Root { get; }

    /// <summary>Measured joint state, robot → controller. QoS 0.</summary>
    public string State => $"{Root}/state";

    /// <summary>Frames of one camera, robot/camera → controller. QoS 0.</summary>
    public string Camera(string name) => $"{Root}/camera/{CheckLevel(name, nameof(name))}";

    /// <summary>Every camera of this robot (MQTT wildcard filter).</summary>
    public string AllCameras => $"{Root}/camera/+";

    /// <summary>Action chunks (tokens + decoded targets), controller → robot/consoles. QoS 0.</summary>
    public string Actions => $"{Root}/actions";

    /// <summary>Per-tick joint commands (what the loop actually sent), controller → robot. QoS 0.</summary>
    public string Command => $"{Root}/command";

    /// <summary>Mode requests, console → controller. QoS 1.</summary>
    public string Mode => $"{Root}/mode";

    /// <summary>E-stop engage/release, anyone → controller and robot. QoS 1.</summary>
    public string EStop => $"{Root}/estop";

    /// <summary>Acknowledgements of mode and e-stop requests. QoS 1.</summary>
    public string Ack => $"{Root}/ack";

    /// <summary>Birth certificate of a participant, retained. QoS 1.</summary>
    public string Birth(string role) => $"{Root}/birth/{CheckLevel(role, nameof(role))}";

    /// <summary>Death notice of a participant (published by the broker as the MQTT Last Will), retained. QoS 1.</summary>
    public string Death(string role) => $"{Root}/death/{CheckLevel(role, nameof(role))}";

    /// <summary>The camera name of a camera topic, or null when <paramref name="topic"/> is not one of this robot's camera topics.</summary>
    public string? CameraName(string topic)
    {
        var prefix = $"{Root}/camera/";
        return topic.StartsWith(prefix, StringComparison.Ordinal) && topic.Length > prefix.Length && topic.IndexOf('/', prefix.Length) < 0
            ? topic[prefix.Length..]
            : null;
    }

    /// <summary>True when <paramref name="topic"/> matches the MQTT-style <paramref name="filter"/> ('+' one level, '#' the rest).</summary>
    public static bool Matches(string filter, string topic)
    {
        var f = filter.Split('/');
        var t = topic.Split('/');
        for (var i = 0; i < f.Length; i++)
        {
            if (f[i] == "#")
                return true;
            if (i >= t.Length)
                return false;
            if (f[i] != "+" && f[i] != t[i])
                return false;
        }
        return f.Length == t.Length;
    }

    private static string CheckLevel(string level, string name)
    {
        if (string.IsNullOrWhiteSpace(level) || level.IndexOfAny(['/', '+', '#', ' ', '\0']) >= 0)
            throw new ArgumentException($"'{level}' is not a valid topic level (non-empty, no '/', '+', '#', spaces)", name);
        return level;
    }
}
