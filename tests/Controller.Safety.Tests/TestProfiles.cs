using Controller.Abstractions;

namespace Controller.Safety.Tests;

internal static class TestProfiles
{
    /// <summary>A 2-joint profile with round numbers: hard ±2, workspace ±1.5, 1 rad/s, 4 rad/s², max relative 0.5, 20 Hz.</summary>
    public static RobotProfile TwoJoint() => new(
        "test-arm",
        "",
        [new JointLimits("a", -2, 2, 1.0, 4.0), new JointLimits("b", -2, 2, 1.0, 4.0)],
        0.5,
        new JointWorkspace([-1.5, -1.5], [1.5, 1.5]),
        20,
        100,
        [new CameraSpec("cam", 4, 4, "/camera/cam/image_raw")],
        RosControlMode.JointTrajectory,
        new RosTopics("/joint_states", "/arm_controller/joint_trajectory", "/forward_position_controller/commands", "/servo_node/delta_joint_cmds"));

    public static RobotState State(RobotProfile p, DateTimeOffset at, params double[] positions) =>
        new(p.JointNames, positions, new double[positions.Length], at);
}
