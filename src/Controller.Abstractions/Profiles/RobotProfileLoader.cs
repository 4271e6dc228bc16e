using System.Text.Json;

namespace Controller.Abstractions;

/// <summary>
/// Reads and validates robots/&lt;name&gt;/profile.json. Every field is checked and a failure names
/// the file and the JSON path of the bad field, e.g. <c>joints[2].max_velocity</c>.
/// </summary>
public static class RobotProfileLoader
{
    /// <summary>Finds the robots/ folder by walking up from <paramref name="start"/> (default: the app folder, then the working directory).</summary>
    public static string FindRobotsDirectory(string? start = null)
    {
        foreach (var origin in new[] { start, AppContext.BaseDirectory, Directory.GetCurrentDirectory() })
        {
            for (var dir = origin is null ? null : new DirectoryInfo(origin); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "robots");
                if (Directory.Exists(candidate) && File.Exists(Path.Combine(candidate, "sim-arm", "profile.json")))
                    return candidate;
            }
        }
        throw new ProfileException("cannot find the robots/ folder (looked upwards from the app folder and the working directory)");
    }

    public static IReadOnlyList<string> KnownRobots(string? robotsDir = null)
    {
        var dir = robotsDir ?? FindRobotsDirectory();
        return [.. Directory.GetDirectories(dir).Where(d => File.Exists(Path.Combine(d, "profile.json"))).Select(Path.GetFileName).OfType<string>().Order()];
    }

    /// <summary>Loads the profile of robot <paramref name="name"/> from the robots folder.</summary>
    public static RobotProfile Load(string name, string? robotsDir = null)
    {
        var dir = robotsDir ?? FindRobotsDirectory();
        var path = Path.Combine(dir, name, "profile.json");
        if (!File.Exists(path))
            throw new ProfileException($"unknown robot '{name}': no {path}. Known robots: {string.Join(", ", KnownRobots(dir))}");
        return Parse(File.ReadAllText(path), path);
    }

    public static RobotProfile Parse(string json, string source = "profile")
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(json, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        }
        catch (JsonException e)
        {
            throw new ProfileException($"{source}: not valid JSON ({e.Message})", e);
        }
        using (doc)
        {
            var r = new Reader(source);
            return r.Profile(doc.RootElement);
        }
    }

    private sealed class Reader(string source)
    {
        private ProfileException Bad(string path, string why) => new($"{source}: {path} {why}");

        public RobotProfile Profile(JsonElement root)
        {
            if (root.ValueKind != JsonValueKind.Object)
                throw Bad("(root)", "must be an object");
            var name = Text(root, "name");
            var description = root.TryGetProperty("description", out var d) && d.ValueKind == JsonValueKind.String ? d.GetString()! : "";
            var joints = Array(root, "joints").Select((j, i) => Joint(j, $"joints[{i}]")).ToArray();
            if (joints.Length == 0)
                throw Bad("joints", "must list at least one joint");
            var dup = joints.GroupBy(j => j.Name).FirstOrDefault(g => g.Count() > 1);
            if (dup is not null)
                throw Bad("joints", $"names joint '{dup.Key}' twice");

            var maxRel = Number(root, "max_relative_target", "", v => v > 0, "must be > 0");
            var workspace = Workspace(Object(root, "workspace"), joints);
            var rate = Number(root, "control_rate_hz", "", v => v is > 0 and <= 1000, "must be in (0, 1000]");
            var stale = Number(root, "stale_after_ms", "", v => v > 0, "must be > 0");
            var cameras = Array(root, "cameras").Select((c, i) => Camera(c, $"cameras[{i}]")).ToArray();
            var modeText = Text(root, "control_mode");
            var mode = modeText switch
            {
                "joint_trajectory" => RosControlMode.JointTrajectory,
                "forward_position" => RosControlMode.ForwardPosition,
                "jog" => RosControlMode.Jog,
                _ => throw Bad("control_mode", $"must be joint_trajectory, forward_position or jog, got '{modeText}'"),
            };
            var t = Object(root, "ros");
            var topics = new RosTopics(Topic(t, "joint_states"), Topic(t, "joint_trajectory"), Topic(t, "forward_command"), Topic(t, "jog"));
            return new RobotProfile(name, description, joints, maxRel, workspace, rate, stale, cameras, mode, topics);
        }

        private JointLimits Joint(JsonElement j, string path)
        {
            if (j.ValueKind != JsonValueKind.Object)
                throw Bad(path, "must be an object");
            var name = Text(j, "name", path);
            var min = Number(j, "min_position", path);
            var max = Number(j, "max_position", path, v => v > min, $"must be greater than min_position ({min})");
            var vel = Number(j, "max_velocity", path, v => v > 0, "must be > 0");
            var acc = Number(j, "max_acceleration", path, v => v > 0, "must be > 0");
            return new JointLimits(name, min, max, vel, acc);
        }

        private JointWorkspace Workspace(JsonElement w, JointLimits[] joints)
        {
            double[] Bounds(string key)
            {
                var arr = Array(w, key, "workspace");
                if (arr.Count != joints.Length)
                    throw Bad($"workspace.{key}", $"has {arr.Count} values but there are {joints.Length} joints");
                return [.. arr.Select((e, i) => e.ValueKind == JsonValueKind.Number && double.IsFinite(e.GetDouble())
                    ? e.GetDouble()
                    : throw Bad($"workspace.{key}[{i}]", "must be a finite number"))];
            }
            var min = Bounds("joint_min");
            var max = Bounds("joint_max");
            for (var i = 0; i < joints.Length; i++)
            {
                var jl = joints[i];
                if (min[i] < jl.MinPosition || max[i] > jl.MaxPosition || min[i] >= max[i])
                    throw Bad($"workspace.joint_min[{i}]/joint_max[{i}]",
                        $"[{min[i]}, {max[i]}] must be a non-empty range inside joint '{jl.Name}' limits [{jl.MinPosition}, {jl.MaxPosition}]");
            }
            return new JointWorkspace(min, max);
        }

        private CameraSpec Camera(JsonElement c, string path)
        {
            if (c.ValueKind != JsonValueKind.Object)
                throw Bad(path, "must be an object");
            var name = Text(c, "name", path);
            var w = Number(c, "width", path, v => v >= 1 && v <= 8192 && v == Math.Floor(v), "must be an integer in [1, 8192]");
            var h = Number(c, "height", path, v => v >= 1 && v <= 8192 && v == Math.Floor(v), "must be an integer in [1, 8192]");
            var topic = Topic(c, "topic", path);
            return new CameraSpec(name, (int)w, (int)h, topic);
        }

        private string Topic(JsonElement e, string key, string parent = "ros")
        {
            var t = Text(e, key, parent);
            if (!t.StartsWith('/') || t.Contains(' ', StringComparison.Ordinal))
                throw Bad($"{parent}.{key}", $"must be an absolute ROS name without spaces, got '{t}'");
            return t;
        }

        private JsonElement Get(JsonElement e, string key, string parent)
            => e.TryGetProperty(key, out var v) ? v : throw Bad(Join(parent, key), "is missing");

        private string Text(JsonElement e, string key, string parent = "")
        {
            var v = Get(e, key, parent);
            return v.ValueKind == JsonValueKind.String && !string.IsNullOrWhiteSpace(v.GetString())
                ? v.GetString()!
                : throw Bad(Join(parent, key), "must be a non-empty string");
        }

        private double Number(JsonElement e, string key, string parent = "", Func<double, bool>? ok = null, string why = "")
        {
            var v = Get(e, key, parent);
            if (v.ValueKind != JsonValueKind.Number || !double.IsFinite(v.GetDouble()))
                throw Bad(Join(parent, key), "must be a finite number");
            var x = v.GetDouble();
            return ok is null || ok(x) ? x : throw Bad(Join(parent, key), $"{why}, got {x}");
        }

        private JsonElement Object(JsonElement e, string key, string parent = "")
        {
            var v = Get(e, key, parent);
            return v.ValueKind == JsonValueKind.Object ? v : throw Bad(Join(parent, key), "must be an object");
        }

        private List<JsonElement> Array(JsonElement e, string key, string parent = "")
        {
            var v = Get(e, key, parent);
            return v.ValueKind == JsonValueKind.Array ? [.. v.EnumerateArray()] : throw Bad(Join(parent, key), "must be an array");
        }

        private static string Join(string parent, string key) => parent.Length == 0 ? key : $"{parent}.{key}";
    }
}
