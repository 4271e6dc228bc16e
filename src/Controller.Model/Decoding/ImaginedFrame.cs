namespace Controller.Model.Decoding;

/// <summary>
/// One imagined frame, per cell (grid², row-major): <see cref="Codes"/>, the greedy image codes (a KEEP cell has the
/// reference frame's code); <see cref="Moved"/>, the most likely code if the cell does change; and
/// <see cref="KeepProbability"/>, the model's probability that it does not.
/// </summary>
public sealed record ImaginedFrame(int[] Codes, int[] Moved, float[] KeepProbability);
