namespace Controller.Abstractions;

/// <summary>
/// A sequence of joint targets the robot should reach at <c>Stamp + (i+1) × StepPeriod</c>.
/// <see cref="Targets"/> is [step][joint], in the profile's joint order and units.
/// <see cref="Tokens"/> holds the action tokens the model emitted, when a model made the chunk.
/// </summary>
public sealed record ActionChunk(
    double[][] Targets,
    TimeSpan StepPeriod,
    DateTimeOffset Stamp,
    long Sequence,
    CommandSource Source,
    int[]? Tokens = null)
{
    public int Steps => Targets.Length;

    /// <summary>The time at which step <paramref name="index"/> is due.</summary>
    public DateTimeOffset DueAt(int index) => Stamp + StepPeriod * (index + 1);
}
