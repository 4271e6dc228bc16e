namespace Controller.Model.Decoding;

/// <summary>Sampled instead of greedy decoding: the softmax of the allowed logits divided by <see cref="Temperature"/>, drawn with <see cref="Rng"/>.</summary>
public sealed record Sampling(float Temperature, Random Rng);
