namespace Controller.Abstractions;

/// <summary>What a policy sees on one tick: the latest frame per camera, the joint state and the instruction.</summary>
public sealed record Observation(IReadOnlyDictionary<string, Frame> Frames, RobotState State, string Instruction, DateTimeOffset Stamp);
