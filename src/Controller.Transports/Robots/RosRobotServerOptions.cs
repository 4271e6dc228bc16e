namespace Controller.Transports.Robots;

/// <summary>Settings of <see cref="RosRobotServer"/>.</summary>
public sealed record RosRobotServerOptions
{
    /// <summary>Step in wall-clock time at the profile rate (false: as fast as possible, for tests and benchmarks).</summary>
    public bool RealTime { get; init; } = true;

    /// <summary>Render and publish cameras every N ticks (1 = every tick). Frames are only rendered while someone subscribes.</summary>
    public int CameraEveryTicks { get; init; } = 1;

    /// <summary>JPEG quality of the /compressed image topics (1-100).</summary>
    public int JpegQuality { get; init; } = 85;

    public string ResetService { get; init; } = "/sim/reset";

    public string InstructionTopic { get; init; } = "/task/instruction";

    public string SuccessTopic { get; init; } = "/task/success";
}
