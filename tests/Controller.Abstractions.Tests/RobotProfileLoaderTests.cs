using System.Text.Json.Nodes;
using Controller.Abstractions;

namespace Controller.Abstractions.Tests;

public class RobotProfileLoaderTests
{
    public static TheoryData<string> Robots => ["sim-arm", "ur5e", "panda", "so101"];

    [Theory]
    [MemberData(nameof(Robots))]
    public void Load_ShippedProfile_IsValidAndConsistent(string robot)
    {
        var p = RobotProfileLoader.Load(robot);
        Assert.Equal(robot, p.Name);
        Assert.Equal(p.Dof, p.Workspace.Min.Length);
        Assert.All(p.Joints, j => Assert.True(j.MaxVelocity > 0 && j.MaxAcceleration > 0));
        Assert.NotEmpty(p.Cameras);
        Assert.StartsWith("/", p.Topics.JointStates, StringComparison.Ordinal);
    }

    private static string Mutate(Action<JsonObject> change)
    {
        var json = File.ReadAllText(Path.Combine(RobotProfileLoader.FindRobotsDirectory(), "ur5e", "profile.json"));
        var node = JsonNode.Parse(json, documentOptions: new() { CommentHandling = System.Text.Json.JsonCommentHandling.Skip })!.AsObject();
        change(node);
        return node.ToJsonString();
    }

    [Theory]
    [InlineData("joints[2].max_velocity", "must be > 0")]
    [InlineData("joints[0].max_position", "must be greater than min_position")]
    [InlineData("max_relative_target", "is missing")]
    [InlineData("control_rate_hz", "must be in (0, 1000]")]
    [InlineData("workspace.joint_min", "has 5 values but there are 6 joints")]
    [InlineData("control_mode", "must be joint_trajectory, forward_position or jog")]
    [InlineData("ros.joint_states", "must be an absolute ROS name")]
    [InlineData("cameras[0].width", "must be an integer")]
    public void Parse_BadField_NamesTheField(string field, string why)
    {
        var json = Mutate(o =>
        {
            switch (field)
            {
                case "joints[2].max_velocity": o["joints"]![2]!["max_velocity"] = -1; break;
                case "joints[0].max_position": o["joints"]![0]!["max_position"] = -10; break;
                case "max_relative_target": o.Remove("max_relative_target"); break;
                case "control_rate_hz": o["control_rate_hz"] = 0; break;
                case "workspace.joint_min": o["workspace"]!["joint_min"]!.AsArray().RemoveAt(0); break;
                case "control_mode": o["control_mode"] = "teleport"; break;
                case "ros.joint_states": o["ros"]!["joint_states"] = "joint states"; break;
                case "cameras[0].width": o["cameras"]![0]!["width"] = 12.5; break;
            }
        });
        var e = Assert.Throws<ProfileException>(() => RobotProfileLoader.Parse(json, "ur5e.json"));
        Assert.Contains($"ur5e.json: {field}", e.Message, StringComparison.Ordinal);
        Assert.Contains(why, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_NotJson_SaysSo()
    {
        var e = Assert.Throws<ProfileException>(() => RobotProfileLoader.Parse("{ nope", "x.json"));
        Assert.Contains("x.json: not valid JSON", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_UnknownRobot_ListsKnownRobots()
    {
        var e = Assert.Throws<ProfileException>(() => RobotProfileLoader.Load("r2d2"));
        Assert.Contains("unknown robot 'r2d2'", e.Message, StringComparison.Ordinal);
        Assert.Contains("panda", e.Message, StringComparison.Ordinal);
    }
}
