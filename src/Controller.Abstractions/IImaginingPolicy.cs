namespace Controller.Abstractions;

/// <summary>A policy with a world model: it can show the camera image it expects a chunk ahead if it follows its own plan.</summary>
public interface IImaginingPolicy : IPolicy
{
    /// <summary>Steps ahead of the observation that <see cref="Imagine"/> looks.</summary>
    int ImagineHorizon { get; }

    /// <summary>
    /// The camera image the policy expects <see cref="ImagineHorizon"/> steps after <paramref name="observation"/>, packed
    /// square RGB, or null when it cannot tell (no frame, malformed state). Does not change what <see cref="IPolicy.Infer"/> returns.
    /// </summary>
    byte[]? Imagine(Observation observation);
}
