namespace Controller.Model.Data;

/// <summary>
/// One demonstration: per step t, the camera frame (packed RGB, Size×Size×3), the joint positions and the
/// joint targets commanded at t. Arrays are owned by the record; treat as immutable.
/// </summary>
public sealed record Episode(string Task, string Instruction, int Size, byte[][] Frames, float[][] States, float[][] Actions, bool Success, int Seed)
{
    public int Steps => Frames.Length;
    public int Dims => States.Length == 0 ? 0 : States[0].Length;

    /// <summary>Action chunk at t as deltas from the position at t: [horizon][dims], the last action repeated past the end.</summary>
    public float[][] DeltaChunk(int t, int horizon)
    {
        var chunk = new float[horizon][];
        for (var k = 0; k < horizon; k++)
        {
            var a = Actions[Math.Min(t + k, Steps - 1)];
            chunk[k] = new float[Dims];
            for (var d = 0; d < Dims; d++)
                chunk[k][d] = a[d] - States[t][d];
        }
        return chunk;
    }
}
