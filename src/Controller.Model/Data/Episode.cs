namespace Controller.Model.Data;

/// <summary>
/// One demonstration: per step t, the camera frame (packed RGB, Size×Size×3), the joint positions and the
/// joint targets commanded at t. <paramref name="Objects"/>, when the data has it: where the object the instruction
/// names is at t and where its goal is, (x, y, goal x, goal y) on the table in metres (training targets for the model's
/// scene tokens; never an input).
/// Arrays are owned by the record; treat as immutable.
/// </summary>
public sealed record Episode(string Task, string Instruction, int Size, byte[][] Frames, float[][] States, float[][] Actions, bool Success, int Seed, float[][]? Objects = null)
{
    public int Steps => Frames.Length;
    public int Dims => States.Length == 0 ? 0 : States[0].Length;

    /// <summary>True when frame t + <paramref name="horizon"/> exists, i.e. <see cref="FrameAhead"/> is not clamped.</summary>
    public bool HasFrameAhead(int t, int horizon) => t + horizon < Steps;

    /// <summary>Index of the frame <paramref name="horizon"/> steps after t, clamped to the last frame (nearer than that near the end).</summary>
    public int FrameAhead(int t, int horizon) => Math.Min(t + horizon, Steps - 1);

    /// <summary>
    /// Action chunk at t, [horizon][dims], the last action repeated past the end: the joint targets themselves
    /// (<paramref name="frame"/> absolute) or their deltas from the position at t (delta).
    /// </summary>
    public float[][] Chunk(int t, int horizon, ActionFrame frame)
    {
        var chunk = new float[horizon][];
        for (var k = 0; k < horizon; k++)
        {
            var a = Actions[Math.Min(t + k, Steps - 1)];
            chunk[k] = new float[Dims];
            for (var d = 0; d < Dims; d++)
                chunk[k][d] = frame == ActionFrame.Absolute ? a[d] : a[d] - States[t][d];
        }
        return chunk;
    }
}

/// <summary>
/// What action tokens stand for: joint targets (absolute, as LeRobot's ACT) or targets minus the joint positions
/// at the chunk's start (delta). Absolute spares the model an arithmetic step: it never has to subtract the state.
/// </summary>
[System.Text.Json.Serialization.JsonConverter(typeof(System.Text.Json.Serialization.JsonStringEnumConverter<ActionFrame>))]
public enum ActionFrame
{
    Delta,
    Absolute,
}
